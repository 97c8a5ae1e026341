import ArborTensor

extension Tensor {
    /// A tensor of `shape` and `dtype` filled with random bytes from `seed`
    /// (any dtype, including sub-byte ones), for byte-exact round-trip tests.
    public static func randomBytes(shape: [Int], dtype: DType, seed: UInt64) throws -> Tensor {
        var generator = SplitMix64(seed: seed)
        let count = dtype.byteCount(forElements: Tensor.elementCount(of: shape)) ?? 0
        let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        return try bytes.withUnsafeBytes { try Tensor(shape: shape, dtype: dtype, copying: $0) }
    }
}
