import ArborTensor

/// How an all-reduce or reduce-scatter combines the ranks' elements.
///
/// Combining is a left fold in rank order: `((x₀ ∘ x₁) ∘ x₂) ∘ …`, the same on
/// every rank. Float32, float64 and integers (wrapping) combine in their own
/// type; float16, bfloat16 and the 8-bit floats combine in float32 and are
/// rounded once at the end.
public enum ReduceOp: String, Sendable, CaseIterable {
    /// Elementwise sum.
    case sum
    /// Elementwise maximum.
    case max
    /// Elementwise minimum.
    case min

    /// Combines one byte buffer per rank into one buffer.
    func combine(_ parts: [[UInt8]], dtype: DType) throws(ProcessGroupError) -> [UInt8] {
        guard let first = parts.first else { return [] }
        guard parts.allSatisfy({ $0.count == first.count }) else {
            throw .mismatch("byte counts \(parts.map(\.count)) differ between ranks")
        }
        switch dtype {
        case .float32: return fold(parts, as: Float.self, sum: +)
        case .float64: return fold(parts, as: Double.self, sum: +)
        case .int8: return fold(parts, as: Int8.self, sum: &+)
        case .int16: return fold(parts, as: Int16.self, sum: &+)
        case .int32: return fold(parts, as: Int32.self, sum: &+)
        case .int64: return fold(parts, as: Int64.self, sum: &+)
        case .uint8: return fold(parts, as: UInt8.self, sum: &+)
        case .uint16: return fold(parts, as: UInt16.self, sum: &+)
        case .uint32: return fold(parts, as: UInt32.self, sum: &+)
        case .uint64: return fold(parts, as: UInt64.self, sum: &+)
        case .float16, .bfloat16, .float8E4M3, .float8E5M2:
            return try widened(parts, dtype: dtype)
        default:
            throw .unsupportedDType(dtype, operation: "reduction")
        }
    }

    private func fold<T: Comparable & BitwiseCopyable>(_ parts: [[UInt8]], as type: T.Type, sum: (T, T) -> T) -> [UInt8] {
        var result = parts[0]
        let count = result.count / MemoryLayout<T>.stride
        result.withUnsafeMutableBytes { target in
            let accumulator = target.bindMemory(to: T.self)
            for part in parts.dropFirst() {
                part.withUnsafeBytes { source in
                    for i in 0..<count {
                        let value = source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self)
                        switch self {
                        case .sum: accumulator[i] = sum(accumulator[i], value)
                        case .max: accumulator[i] = Swift.max(accumulator[i], value)
                        case .min: accumulator[i] = Swift.min(accumulator[i], value)
                        }
                    }
                }
            }
        }
        return result
    }

    /// Converts each part to float32, folds, and rounds back to `dtype` once.
    private func widened(_ parts: [[UInt8]], dtype: DType) throws(ProcessGroupError) -> [UInt8] {
        guard let width = dtype.byteSize else { throw .unsupportedDType(dtype, operation: "reduction") }
        do {
            let wide = try parts.map { part in
                try ReduceOp.tensor(part, count: part.count / width, dtype: dtype).converted(to: .float32).withUnsafeBytes { Array($0) }
            }
            let folded = fold(wide, as: Float.self, sum: +)
            return try ReduceOp.tensor(folded, count: folded.count / 4, dtype: .float32)
                .converted(to: dtype).withUnsafeBytes { Array($0) }
        } catch {
            throw .mismatch("\(dtype) reduction: \(error)")
        }
    }

    private static func tensor(_ bytes: [UInt8], count: Int, dtype: DType) throws -> Tensor {
        try bytes.withUnsafeBytes { try Tensor(shape: [count], dtype: dtype, copying: $0) }
    }
}
