import ArborCheckpoint
import Foundation

/// N ranks of a process group on threads of this process, for tests: an
/// all-gather meets under one condition variable. (Each rank must run on its
/// own thread: collectives block.)
final class ThreadRendezvous: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var generation = 0
    private var arrived = 0
    private var slots: [[UInt8]]
    private var results: [[UInt8]] = []

    init(size: Int) {
        self.size = size
        slots = Array(repeating: [], count: size)
    }

    func allGather(rank: Int, _ bytes: [UInt8]) throws(CheckpointError) -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        slots[rank] = bytes
        arrived += 1
        if arrived == size {
            results = slots
            arrived = 0
            generation += 1
            condition.broadcast()
            return results
        }
        let deadline = Date().addingTimeInterval(60)
        while generation == mine {
            guard condition.wait(until: deadline) else {
                throw .processGroup(rank: rank, reason: "timed out in a thread all-gather")
            }
        }
        return results
    }

    /// The group member of `rank`.
    func member(_ rank: Int) -> ThreadRank { ThreadRank(rank: rank, rendezvous: self) }
}

/// One rank of a `ThreadRendezvous`.
struct ThreadRank: CheckpointProcessGroup {
    let rank: Int
    let rendezvous: ThreadRendezvous
    var size: Int { rendezvous.size }

    func allGather(_ bytes: [UInt8]) throws(CheckpointError) -> [[UInt8]] {
        try rendezvous.allGather(rank: rank, bytes)
    }
}

/// Runs `body` once per rank of a fresh `size`-rank group, each on its own
/// thread, and returns the results in rank order (rethrowing the first error).
/// Waits without blocking a Swift-concurrency thread (rank bodies may start
/// tasks and wait for them).
func onRanks<T: Sendable>(_ size: Int, _ body: @escaping @Sendable (ThreadRank) throws -> T) async throws -> [T] {
    let rendezvous = ThreadRendezvous(size: size)
    let results = ResultBox<T>(count: size)
    let done = DispatchGroup()
    for rank in 0..<size {
        done.enter()
        let thread = Thread {
            results.set(rank, Result { try body(rendezvous.member(rank)) })
            done.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    await withCheckedContinuation { continuation in done.notify(queue: .global()) { continuation.resume() } }
    return try results.values()
}

/// Runs async `body` to completion from a plain thread.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>(count: 1)
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.set(0, .success(try await body())) } catch { box.set(0, .failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.values()[0]
}

private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<T, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func values() throws -> [T] {
        lock.lock()
        defer { lock.unlock() }
        return try slots.map { try ($0 ?? .failure(CheckpointError.closed)).get() }
    }
}
