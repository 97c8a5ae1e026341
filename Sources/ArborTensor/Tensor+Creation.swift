extension Tensor {
    /// A tensor with every element 1 (`true` for bool).
    ///
    /// - Throws: `.unsupportedDType` for raw-only dtypes, `.negativeDimension` or
    ///   `.sizeOverflow` for a bad shape.
    public static func ones(_ shape: [Int], dtype: DType = .float32) throws(TensorError) -> Tensor {
        try full(1, shape: shape, dtype: dtype)
    }

    /// A tensor with every element `value`, converted to `dtype` as
    /// `converted(to:)` converts a float64 (so `full(0.1, …, dtype: .bfloat16)`
    /// holds the bfloat16 nearest 0.1, and integers truncate and saturate).
    public static func full(_ value: Double, shape: [Int], dtype: DType = .float32) throws(TensorError) -> Tensor {
        let bytes = try checkedByteCount(shape: shape, dtype: dtype, operation: "full")
        let element = try Tensor([value], shape: []).converted(to: dtype)
        let storage = TensorStorage(allocating: bytes, zeroed: false)
        if bytes > 0, let target = storage.baseAddress {
            element.withUnsafeBytes { pattern in
                let width = pattern.count
                // One element of a byte-sized dtype: never empty, so it has an address.
                target.copyMemory(from: pattern.baseAddress!, byteCount: width)
                // Fill by doubling: each copy duplicates everything written so far.
                var filled = width
                while filled < bytes {
                    let chunk = Swift.min(filled, bytes - filled)
                    (target + filled).copyMemory(from: target, byteCount: chunk)
                    filled += chunk
                }
            }
        }
        return Tensor(shape: shape, dtype: dtype, storage: storage)
    }

    /// `[0, 1, …, count - 1]` as a 1-D tensor of `dtype`.
    public static func arange(_ count: Int, dtype: DType = .float32) throws(TensorError) -> Tensor {
        guard count >= 0 else { throw .invalidArgument(operation: "arange", reason: "count \(count) is negative") }
        return try arange(start: 0, end: Double(count), step: 1, dtype: dtype)
    }

    /// Evenly spaced values in `[start, end)` as numpy's `arange` gives them:
    /// `ceil((end - start) / step)` elements, element `i` being `start + i * step`
    /// computed in float64 and then converted to `dtype` (exact for integers
    /// below 2^53).
    ///
    /// ```swift
    /// try Tensor.arange(start: 1, end: 2, step: 0.25)   // [1, 1.25, 1.5, 1.75]
    /// ```
    ///
    /// - Throws: `.invalidArgument` when `step` is zero or any bound is not finite.
    public static func arange(start: Double, end: Double, step: Double = 1, dtype: DType = .float32) throws(TensorError) -> Tensor {
        guard start.isFinite, end.isFinite, step.isFinite, step != 0 else {
            throw .invalidArgument(operation: "arange", reason: "start \(start), end \(end), step \(step): need finite bounds and a nonzero step")
        }
        let length = ((end - start) / step).rounded(.up)
        guard length < 0x1p48 else {
            throw .invalidArgument(operation: "arange", reason: "\(length) elements is too many")
        }
        let count = Swift.max(0, Int(length))
        let values = (0..<count).map { start + Double($0) * step }
        return try Tensor(values, shape: [count], dtype: dtype)
    }

    /// A tensor of `dtype` holding `values` (row-major), each converted from
    /// float64 as `converted(to:)` does.
    ///
    /// - Throws: `.reshapeMismatch` when `values.count` does not fill `shape`,
    ///   `.unsupportedDType` for raw-only dtypes.
    public init(_ values: [Double], shape: [Int], dtype: DType) throws(TensorError) {
        _ = try Tensor.checkedByteCount(shape: shape, dtype: dtype, operation: "Tensor(_:shape:dtype:)")
        guard Tensor.elementCount(of: shape) == values.count else {
            throw .reshapeMismatch(from: [values.count], to: shape)
        }
        self = try Tensor(values, shape: shape).converted(to: dtype)
    }

    /// The byte size of `shape` in `dtype`, or the error a user should see.
    static func checkedByteCount(shape: [Int], dtype: DType, operation: String) throws(TensorError) -> Int {
        guard dtype.isNumeric else { throw .unsupportedDType(dtype, operation: operation) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .negativeDimension(shape: shape) }
        guard let count = checkedElementCount(of: shape), let bytes = dtype.byteCount(forElements: count),
              count.multipliedReportingOverflow(by: 8).overflow == false else {
            throw .sizeOverflow(shape: shape, dtype: dtype)
        }
        return bytes
    }
}
