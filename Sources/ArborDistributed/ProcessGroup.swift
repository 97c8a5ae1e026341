import Arbor
import ArborTensor

/// A fixed set of ranks (processes, or threads standing in for them) that run
/// collectives together: rank, size, barrier, broadcast, all-gather,
/// all-reduce and reduce-scatter, on raw bytes and on tensors.
///
/// Collectives are **blocking**: a call returns when this rank's part is done,
/// and every rank must call the same collectives in the same order (as with
/// MPI). Blocking keeps them usable from training loops and from MPI, whose
/// calls block anyway. An implementation provides three primitives —
/// `barrier`, `broadcast(bytes:root:)` and `allGather(bytes:)` — and gets the
/// rest from extensions, so every implementation reduces the same way: each
/// rank receives all contributions and combines them in rank order
/// 0, 1, …, N−1. Results are therefore bitwise identical on every rank and
/// never depend on timing or transport.
///
/// ```swift
/// let sum = try group.allReduce(gradient, op: .sum)     // same bits on every rank
/// let mine = try group.reduceScatter(gradient, op: .sum) // this rank's rows of the sum
/// ```
public protocol ProcessGroup: Sendable {
    /// This member's index, `0 ..< size`.
    var rank: Int { get }
    /// Number of members.
    var size: Int { get }
    /// Returns once every rank has called it.
    func barrier() throws(ProcessGroupError)
    /// `root`'s bytes, on every rank (other ranks' arguments are ignored).
    func broadcast(bytes: [UInt8], root: Int) throws(ProcessGroupError) -> [UInt8]
    /// Every rank's bytes (lengths may differ), indexed by rank.
    func allGather(bytes: [UInt8]) throws(ProcessGroupError) -> [[UInt8]]
}

extension ProcessGroup {
    /// Elementwise reduction of every rank's `bytes` (elements of `dtype`), in
    /// rank order; the same result on every rank.
    public func allReduce(bytes: [UInt8], dtype: DType, op: ReduceOp) throws(ProcessGroupError) -> [UInt8] {
        try op.combine(try allGather(bytes: bytes), dtype: dtype)
    }

    /// This rank's chunk of the elementwise reduction: the elements are cut as
    /// a ragged split (`ceil(count / size)` per rank, trailing chunks smaller).
    public func reduceScatter(bytes: [UInt8], dtype: DType, op: ReduceOp) throws(ProcessGroupError) -> [UInt8] {
        guard let width = dtype.byteSize else { throw .unsupportedDType(dtype, operation: "reduceScatter") }
        let reduced = try allReduce(bytes: bytes, dtype: dtype, op: op)
        let range = ProcessGroups.chunk(rank, of: size, count: reduced.count / width)
        return Array(reduced[(range.lowerBound * width)..<(range.upperBound * width)])
    }
}

/// Helpers shared by the process groups.
enum ProcessGroups {
    /// Rank `rank`'s share of `count` items split `ceil(count / size)` at a
    /// time (the same ragged rule as `Sharding`).
    static func chunk(_ rank: Int, of size: Int, count: Int) -> Range<Int> {
        let step = (count + size - 1) / Swift.max(size, 1)
        let lower = Swift.min(rank * step, count)
        return lower..<Swift.min(lower + step, count)
    }
}
