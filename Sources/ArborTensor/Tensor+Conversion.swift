extension Tensor {
    /// The same values in another dtype, as numpy + ml_dtypes `astype` would give
    /// them, bit for bit.
    ///
    /// - float -> narrower float rounds to nearest even; NaN and infinities are
    ///   kept; float8 E4M3FN has no infinity, so overflow and ±inf become NaN.
    /// - float -> integer truncates toward zero, saturates out-of-range values to
    ///   the integer's min/max and maps NaN to 0 (numpy leaves these undefined).
    /// - integer -> integer wraps (two's complement); anything -> bool is
    ///   "nonzero" (NaN is true).
    ///
    /// Converting to the tensor's own dtype returns it unchanged, sharing storage.
    /// An abstract tensor converts to an abstract tensor of the new dtype.
    ///
    /// ```swift
    /// let weights = try file.tensor(named: "wte").converted(to: .float32)   // bf16 -> f32
    /// ```
    ///
    /// - Throws: `TensorError.unsupportedDType` when either dtype is one Arbor only
    ///   stores (F4, F6, F8_E8M0, the FNUZ formats, C64).
    public func converted(to target: DType) throws(TensorError) -> Tensor {
        if target == dtype { return self }
        guard dtype.isNumeric else { throw .unsupportedDType(dtype, operation: "conversion to \(target)") }
        guard target.isNumeric else { throw .unsupportedDType(target, operation: "conversion from \(dtype)") }
        if isAbstract { return .abstract(shape: shape, dtype: target) }
        let count = elementCount
        let storage = TensorStorage(allocating: Tensor.byteCount(shape: shape, dtype: target), zeroed: false)
        withAlignedBytes { source in
            guard let from = source.baseAddress, let to = storage.baseAddress else { return }
            DTypeConversion.convert(from, from: dtype, to: to, as: target, count: count)
        }
        return Tensor(shape: shape, dtype: target, storage: storage)
    }

    /// Calls `body` with the element bytes at an address aligned to the element
    /// size. A window into a mapped file may start at any byte offset (safetensors
    /// does not align tensors); such a window is copied to aligned memory first.
    func withAlignedBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes { bytes in
            let alignment = dtype.byteSize ?? 1
            guard let base = bytes.baseAddress, Int(bitPattern: base) % alignment != 0 else { return body(bytes) }
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: TensorStorage.alignment)
            defer { copy.deallocate() }
            copy.copyMemory(from: bytes)
            return body(UnsafeRawBufferPointer(copy))
        }
    }
}
