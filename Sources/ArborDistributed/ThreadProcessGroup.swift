import Foundation

/// N ranks on threads of one process: for tests, and for one machine with
/// several logical devices. Collectives exchange through shared memory.
///
/// ```swift
/// let sums = try ThreadProcessGroup.run(ranks: 4) { group in
///     try group.allReduce(Tensor([Float(group.rank)]), op: .sum)
/// }   // four tensors holding 6
/// ```
///
/// If one rank throws, the others' pending and later collectives throw
/// `ProcessGroupError.peerFailed`, and `run` rethrows the first rank's own error.
/// A rank that returns while others still wait for it in a collective makes
/// those collectives throw `peerFailed` too (a mismatched program, not a hang).
public final class ThreadProcessGroup: ProcessGroup, @unchecked Sendable {
    /// This member's index.
    public let rank: Int
    /// Number of ranks.
    public var size: Int { rendezvous.size }
    private let rendezvous: ThreadRendezvous
    private let lock = NSLock()
    private var sequence = 0

    private init(rank: Int, rendezvous: ThreadRendezvous) {
        self.rank = rank
        self.rendezvous = rendezvous
    }

    /// Runs `body` on `ranks` threads, each with its own member of one group,
    /// and returns the results by rank. Throws the error of the lowest rank
    /// that failed by itself (not merely because a peer failed).
    public static func run<R: Sendable>(
        ranks: Int, _ body: @escaping @Sendable (ThreadProcessGroup) throws -> R
    ) throws -> [R] {
        precondition(ranks >= 1, "ThreadProcessGroup.run: needs at least one rank, got \(ranks)")
        let rendezvous = ThreadRendezvous(size: ranks)
        let outcomes = OutcomeBox<R>(count: ranks)
        let done = DispatchGroup()
        for rank in 0..<ranks {
            done.enter()
            let thread = Thread {
                let group = ThreadProcessGroup(rank: rank, rendezvous: rendezvous)
                do {
                    outcomes.set(rank, .success(try body(group)))
                    rendezvous.finish(rank: rank)
                } catch {
                    rendezvous.fail(rank: rank, reason: String(describing: error))
                    outcomes.set(rank, .failure(error))
                }
                done.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        return try outcomes.results()
    }

    public func barrier() throws(ProcessGroupError) { _ = try exchange([]) }

    public func broadcast(bytes: [UInt8], root: Int) throws(ProcessGroupError) -> [UInt8] {
        guard (0..<size).contains(root) else { throw .invalidRank(root, size: size) }
        return try exchange(rank == root ? bytes : [])[root]
    }

    public func allGather(bytes: [UInt8]) throws(ProcessGroupError) -> [[UInt8]] { try exchange(bytes) }

    private func exchange(_ bytes: [UInt8]) throws(ProcessGroupError) -> [[UInt8]] {
        lock.lock()
        let number = sequence
        sequence += 1
        lock.unlock()
        return try rendezvous.exchange(rank: rank, sequence: number, contribution: bytes)
    }
}

/// Per-rank results of `ThreadProcessGroup.run`, written from the rank threads.
private final class OutcomeBox<R: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [Result<R, any Error>?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func set(_ rank: Int, _ outcome: Result<R, any Error>) {
        lock.lock()
        outcomes[rank] = outcome
        lock.unlock()
    }

    func results() throws -> [R] {
        lock.lock()
        defer { lock.unlock() }
        var firstPeerFailure: (any Error)?
        for outcome in outcomes {
            if case .failure(let error) = outcome {
                if case ProcessGroupError.peerFailed = error { firstPeerFailure = firstPeerFailure ?? error } else { throw error }
            }
        }
        if let firstPeerFailure { throw firstPeerFailure }
        return outcomes.compactMap { outcome in if case .success(let value) = outcome { value } else { nil } }
    }
}
