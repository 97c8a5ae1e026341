import ArborDistributed
import Foundation

/// Runs `body` on `size` ranks of a `ThreadProcessGroup` and returns the
/// results in rank order, waiting without blocking a Swift-concurrency thread
/// (rank bodies may start tasks and wait for them with `blocking`).
func onRanks<T: Sendable>(_ size: Int, _ body: @escaping @Sendable (ThreadProcessGroup) throws -> T) async throws -> [T] {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result { try ThreadProcessGroup.run(ranks: size, body) })
        }.start()
    }
}

/// Runs async `body` to completion from a plain thread (a rank's).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get()
}

private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let result else { throw CancellationError() }
        return try result.get()
    }
}
