import CArborKernels

/// `body(i)` for every `i` in `0..<count`, shared out on demand between the
/// calling thread and the persistent worker pool (`arbor_parallel_run`).
///
/// Indices come from an atomic counter, so a worker that joins late (or never,
/// when the machine is busy or another product holds the pool) just takes fewer;
/// each index runs exactly once. Used for many small products in one batch,
/// where one product is too small to share out but the batch is not.
///
/// ```swift
/// ParallelLoop.run(count: heads, workers: GEMM.processorCount) { head in attend(head) }
/// ```
enum ParallelLoop {
    static func run(count: Int, workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        if workers <= 1 || count == 1 {
            for index in 0..<count { body(index) }
            return
        }
        let loop = Loop(count: count, body: body)
        withExtendedLifetime(loop) {
            _ = arbor_parallel_run(Int32(min(workers, count)), { context, _, _ in
                Unmanaged<Loop>.fromOpaque(context!).takeUnretainedValue().work()
            }, Unmanaged.passUnretained(loop).toOpaque())
        }
    }

    /// The shared counter and body of one loop.
    private final class Loop: @unchecked Sendable {
        let count: Int
        let body: @Sendable (Int) -> Void
        let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)

        init(count: Int, body: @escaping @Sendable (Int) -> Void) {
            self.count = count
            self.body = body
            next.initialize(to: 0)
        }

        deinit { next.deallocate() }

        func work() {
            while true {
                let index = arbor_atomic_fetch_add(next, 1)
                guard index < count else { return }
                body(index)
            }
        }
    }
}
