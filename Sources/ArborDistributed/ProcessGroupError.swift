import ArborTensor

/// Why a collective failed.
public enum ProcessGroupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another rank failed (threw, or its process ended), so this collective cannot complete.
    case peerFailed(rank: Int, reason: String)
    /// The ranks' contributions do not fit together (lengths, shapes, dtypes).
    case mismatch(String)
    /// The operation does not support this dtype.
    case unsupportedDType(DType, operation: String)
    /// A root or rank outside `0 ..< size`.
    case invalidRank(Int, size: Int)
    /// The transport (MPI) reported an error.
    case transport(String)

    public var description: String {
        switch self {
        case .peerFailed(let rank, let reason): "rank \(rank) failed: \(reason)"
        case .mismatch(let reason): "collective contributions do not match: \(reason)"
        case .unsupportedDType(let dtype, let operation): "\(operation) does not support \(dtype)"
        case .invalidRank(let rank, let size): "rank \(rank) is outside 0..<\(size)"
        case .transport(let reason): "transport error: \(reason)"
        }
    }
}
