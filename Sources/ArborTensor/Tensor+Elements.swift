extension Tensor {
    /// Every element as `Float`, in row-major order, converted as
    /// `converted(to: .float32)` does (float64 rounds to nearest even, integers
    /// round, bool is 0/1).
    ///
    /// - Throws: `TensorError.unsupportedDType` for raw-only dtypes and
    ///   `.abstractTensor` for a tensor without values.
    public func floatValues() throws(TensorError) -> [Float] {
        try checkHasValues("floatValues()")
        return try converted(to: .float32).scalars(as: Float.self)
    }

    /// Every element as `Double`, in row-major order. Exact for every numeric dtype
    /// except 64-bit integers beyond 2^53, which round to nearest even.
    ///
    /// - Throws: as `floatValues()`.
    public func doubleValues() throws(TensorError) -> [Double] {
        try checkHasValues("doubleValues()")
        return try converted(to: .float64).scalars(as: Double.self)
    }

    /// The element at `index` (one coordinate per dimension; `[]` for a scalar) as
    /// a `Double`, with the same rules as `doubleValues()`.
    ///
    /// ```swift
    /// let w = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    /// try w.element(at: [1, 0])   // 3.0
    /// ```
    ///
    /// - Throws: `.indexOutOfRange` when the index has the wrong rank or a
    ///   coordinate lies outside its dimension; otherwise as `floatValues()`.
    public func element(at index: [Int]) throws(TensorError) -> Double {
        try checkHasValues("element(at:)")
        guard index.count == rank, zip(index, shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw .indexOutOfRange(index: index, shape: shape)
        }
        var offset = 0
        for (coordinate, size) in zip(index, shape) { offset = offset * size + coordinate }
        let width = dtype.byteSize!  // numeric dtypes are byte-sized
        var raw: UInt64 = 0  // 8-byte aligned home for one element of any width
        var value: Double = 0
        withUnsafeBytes { bytes in
            Swift.withUnsafeMutableBytes(of: &raw) { element in
                element.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset * width..<(offset + 1) * width]))
                Swift.withUnsafeMutableBytes(of: &value) { out in
                    // Both are the bytes of local variables, which always have addresses.
                    DTypeConversion.convert(element.baseAddress!, from: dtype, to: out.baseAddress!, as: .float64, count: 1)
                }
            }
        }
        return value
    }

    /// `tensor[i, j]`: the element at those coordinates as a `Double` (see
    /// `element(at:)`).
    public subscript(_ index: Int...) -> Double {
        get throws(TensorError) { try element(at: index) }
    }

    /// Whether every element of `self` is close to the element of `other` at the
    /// same position, as numpy's `allclose` decides it:
    /// `|a - b| <= atol + rtol * |b|` (asymmetric: `other` is the reference).
    ///
    /// Values are compared as `Double`, so dtypes may differ. Equal infinities are
    /// close; NaN is close to nothing unless `equalNaN` is true, then to NaN.
    /// Shapes must match exactly (no broadcasting): different shapes give `false`.
    /// Raw-only dtypes are close only when dtype and bytes are identical; abstract
    /// tensors are never close (there are no values to compare).
    public func allClose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false) -> Bool {
        guard shape == other.shape, !isAbstract, !other.isAbstract else { return false }
        guard dtype.isNumeric, other.dtype.isNumeric else { return self == other }
        guard let a = try? doubleValues(), let b = try? other.doubleValues() else { return false }
        for i in a.indices {
            let x = a[i], y = b[i]
            if x == y { continue }
            if x.isNaN || y.isNaN {
                if equalNaN && x.isNaN && y.isNaN { continue }
                return false
            }
            if x.isInfinite || y.isInfinite { return false }
            if !((x - y).magnitude <= atol + rtol * y.magnitude) { return false }
        }
        return true
    }

    private func checkHasValues(_ operation: String) throws(TensorError) {
        guard dtype.isNumeric else { throw .unsupportedDType(dtype, operation: operation) }
        guard !isAbstract else { throw .abstractTensor(shape: shape, dtype: dtype, operation: operation) }
    }
}
