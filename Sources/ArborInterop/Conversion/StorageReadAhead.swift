import Foundation

/// Reads storages of PyTorch files ahead of their writer on a thread of its
/// own: each chunk is read with `pread` into one of a few reused buffers and
/// its CRC-32 is computed there (while the bytes are in cache), so reading
/// and checking one chunk overlaps writing the previous one.
///
/// The writer calls `next()` for each chunk in order, writes it, then
/// `release()`; after a storage's last chunk, `checksum(of:)` is its CRC.
/// `finish()` stops the thread (also early, after an error) and must be
/// called before the value goes.
final class StorageReadAhead: @unchecked Sendable {
    /// One storage to read: a range of a file.
    struct Job {
        var file: PyTorchFile
        var range: Range<Int>
    }

    private let jobs: [Job]
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var counts: [Int]
    private var checksums: [CRC32]
    private var failure: (any Error)?
    private var cancelled = false
    private var slot = 0
    private let free: DispatchSemaphore
    private let filled = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    /// Starts reading `jobs` in order into `depth` buffers of `chunkSize` bytes.
    init(jobs: [Job], chunkSize: Int, depth: Int = 3) {
        self.jobs = jobs
        let size = max(1, min(chunkSize, jobs.map(\.range.count).max() ?? 1))
        buffers = (0..<depth).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64) }
        counts = Array(repeating: 0, count: depth)
        checksums = Array(repeating: CRC32(), count: jobs.count)
        free = DispatchSemaphore(value: depth)
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "arbor-read-ahead"
        thread.start()
    }

    deinit {
        finish()
        for buffer in buffers { buffer.deallocate() }
    }

    /// The reading thread: every job's chunks, in order, each after a free buffer.
    private func run() {
        var next = 0
        for (number, job) in jobs.enumerated() {
            var crc = CRC32()
            var offset = job.range.lowerBound
            repeat {
                free.wait()
                if cancelled { return }
                let buffer = buffers[next]
                let count = min(buffer.count, job.range.upperBound - offset)
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
                do { try job.file.mapping.read(into: chunk, at: offset) } catch {
                    failure = PyTorchFileError.cannotOpen(file: job.file.url.path, reason: error.reason)
                    filled.signal()
                    return
                }
                crc.update(UnsafeRawBufferPointer(chunk))
                counts[next] = count
                offset += count
                // The checksum is stored before the storage's last chunk is handed over.
                if offset == job.range.upperBound { checksums[number] = crc }
                filled.signal()
                next = (next + 1) % buffers.count
            } while offset < job.range.upperBound
        }
    }

    /// The next chunk (waits for it); throws what the reading thread met.
    func next() throws -> UnsafeRawBufferPointer {
        filled.wait()
        if let failure { throw failure }
        return UnsafeRawBufferPointer(rebasing: buffers[slot][..<counts[slot]])
    }

    /// Gives the chunk last returned by `next()` back for reading.
    func release() {
        slot = (slot + 1) % buffers.count
        free.signal()
    }

    /// The CRC-32 of job `number`, valid once its last chunk was returned by `next()`.
    func checksum(of number: Int) -> CRC32 { checksums[number] }

    /// Stops the reading thread and waits for it.
    func finish() {
        guard !finished else { return }
        finished = true
        cancelled = true
        // One more than the buffers: however many chunks the writer still held, the
        // semaphore ends at or above its starting value (libdispatch traps otherwise).
        for _ in 0...buffers.count { free.signal() }
        done.wait()
    }
}
