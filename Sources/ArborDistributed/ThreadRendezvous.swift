import Foundation

/// The meeting point of a `ThreadProcessGroup`'s ranks: one slot per rank for
/// each collective (numbered in call order), filled and read under a lock.
///
/// When a rank fails, every rank waiting (or arriving later) gets
/// `peerFailed`, so one failing rank never leaves the others blocked.
final class ThreadRendezvous: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [Int: [[UInt8]?]] = [:]
    private var reads: [Int: Int] = [:]
    private var failure: (rank: Int, reason: String)?
    private var finished = Set<Int>()

    init(size: Int) { self.size = size }

    /// Puts `contribution` in `rank`'s slot of collective `sequence`, waits
    /// for every rank's, and returns them all.
    func exchange(rank: Int, sequence: Int, contribution: [UInt8]) throws(ProcessGroupError) -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        slots[sequence, default: Array(repeating: nil, count: size)][rank] = contribution
        condition.broadcast()
        while failure == nil, let missing = slots[sequence]?.firstIndex(where: { $0 == nil }) {
            if finished.contains(missing) {
                throw .peerFailed(rank: missing, reason: "it returned without joining this collective")
            }
            condition.wait()
        }
        if let failure { throw .peerFailed(rank: failure.rank, reason: failure.reason) }
        let result = (slots[sequence] ?? []).map { $0 ?? [] }
        reads[sequence, default: 0] += 1
        if reads[sequence] == size {
            slots[sequence] = nil
            reads[sequence] = nil
        }
        return result
    }

    /// Records that `rank`'s body returned: collectives still waiting for it
    /// can never complete, so they throw instead of waiting forever.
    func finish(rank: Int) {
        condition.lock()
        finished.insert(rank)
        condition.broadcast()
        condition.unlock()
    }

    /// Records that `rank` failed and wakes every waiting rank.
    func fail(rank: Int, reason: String) {
        condition.lock()
        if failure == nil { failure = (rank, reason) }
        condition.broadcast()
        condition.unlock()
    }
}
