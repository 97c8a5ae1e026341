import Dispatch
import Foundation

/// An `AtomicFile` written by a thread of its own from a ring of aligned
/// buffers, so the caller fills the next buffer (a copy, a `pread`, a
/// checksum) while the previous one goes to the device: the disk never waits
/// for the caller between writes, and the caller never waits for the disk
/// until the ring is full.
///
/// A file of at least one buffer is written with direct I/O where the system
/// has it (`AtomicFile.setDirect`, Linux): the device reads the buffers and
/// the kernel copies nothing into the page cache, which is most of the cost
/// of a large buffered write on a virtual machine; the buffers are huge
/// pages where the system has them (`TransferBuffers`), so each write
/// reaches the device in a few large requests. The unaligned tail is
/// written normally and `commit()` syncs as always. Each full buffer can also
/// be handed to an observer running beside the write (a SHA-256 on another
/// thread); a buffer is reused only when its write and its observer are done.
///
/// ```swift
/// let writer = try PipelinedFileWriter(destination: url, expectedBytes: size)
/// try writer.write(header)
/// try writer.fill(storageBytes) { piece in try source.read(into: piece, at: offset) }
/// try writer.commit()   // every write done, fsync'ed, renamed
/// ```
///
/// An error of the writing thread is thrown by the next call; nothing is left
/// at the destination unless `commit()` returns.
package final class PipelinedFileWriter: @unchecked Sendable {
    /// Size of each buffer (a multiple of `AtomicFile.directAlignment`).
    package static let bufferBytes = 8 << 20
    /// Buffers in the ring: one filling, the rest queued or being written.
    package static let bufferCount = 4

    /// Called on the caller's thread with each full buffer before its write
    /// is queued; work it starts on other threads must enter `group` and keep
    /// to reading the bytes, which stay valid until `group` is done.
    package typealias Observer = (_ bytes: UnsafeRawBufferPointer, _ group: DispatchGroup) -> Void

    private let file: AtomicFile
    private let sink: Sink
    private let observer: Observer?
    private let buffers: TransferBuffers
    private let inUse = (0..<PipelinedFileWriter.bufferCount).map { _ in DispatchGroup() }
    private let queue = DispatchQueue(label: "arbor.file-writer")
    private var current = 0
    private var filled = 0
    private var finished = false

    /// Creates the temporary file next to `destination` (see `AtomicFile`);
    /// direct I/O is tried when `expectedBytes` fills at least one buffer.
    package init(destination: URL, expectedBytes: Int, durable: Bool = true, observer: Observer? = nil) throws(FileIOError) {
        file = try AtomicFile(destination: destination, durable: durable)
        sink = Sink(file: file)
        self.observer = observer
        let direct = expectedBytes >= Self.bufferBytes
        // Huge pages only pay for direct writes; a small file would fault in 2 MiB for a few bytes.
        buffers = TransferBuffers(count: Self.bufferCount, bytes: Self.bufferBytes, hugePages: direct)
        if direct { file.setDirect(true) }
    }

    deinit {
        drain()   // the writing thread and the observer may still read a buffer
        file.abort()
    }

    /// Appends `bytes` (copied; valid only for the call).
    package func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        guard var source = bytes.baseAddress else { return }
        try check()
        var remaining = bytes.count
        while remaining > 0 {
            let piece = nextPiece(upTo: remaining)
            piece.baseAddress.unsafelyUnwrapped.copyMemory(from: source, byteCount: piece.count)
            source += piece.count
            remaining -= piece.count
            try advance(by: piece.count)
        }
    }

    /// Appends the bytes of an array.
    package func write(_ bytes: [UInt8]) throws(FileIOError) {
        let outcome = bytes.withUnsafeBytes { raw in Result { () throws(FileIOError) in try write(raw) } }
        try outcome.get()
    }

    /// Appends `count` bytes that `body` writes into the buffers, piece by
    /// piece in order (a piece never spans two buffers), so a reader can
    /// `pread` straight into the memory the device will read. Throws what
    /// `body` throws, or a `FileIOError` of the writing.
    package func fill<E: Error>(_ count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws {
        try check()
        var remaining = count
        while remaining > 0 {
            let piece = nextPiece(upTo: remaining)
            try body(piece)
            remaining -= piece.count
            try advance(by: piece.count)
        }
    }

    /// The free part of the current buffer, at most `count` bytes.
    private func nextPiece(upTo count: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: buffers[current] + filled, count: min(count, Self.bufferBytes - filled))
    }

    /// Counts `count` bytes of the current buffer as filled; a full buffer is handed off.
    private func advance(by count: Int) throws(FileIOError) {
        filled += count
        if filled == Self.bufferBytes { try handOff() }
    }

    /// Waits for every write, syncs and renames the file into place.
    package func commit() throws(FileIOError) {
        guard !finished else {
            throw FileIOError(path: file.destination.path, operation: "commit", reason: "already committed or aborted")
        }
        if file.isDirect, filled > 0 {
            // The tail is written through the page cache. The flag is the open
            // file's: no write may be in flight when it changes.
            drain()
            file.setDirect(false)
        }
        try handOff()
        drain()
        finished = true
        if let failure = sink.failure {
            file.abort()
            throw failure
        }
        try file.commit()
    }

    /// Discards the file; the destination is left as it was.
    package func abort() {
        finished = true
        drain()
        file.abort()
    }

    /// Queues the current buffer's write (and its observer), then waits until
    /// the next buffer of the ring is free.
    private func handOff() throws(FileIOError) {
        guard filled > 0 else { return }
        let piece = Piece(bytes: UnsafeRawBufferPointer(start: buffers[current], count: filled))
        let group = inUse[current]
        observer?(piece.bytes, group)
        let sink = self.sink   // not `self`: the writer goes (and aborts) when its caller drops it
        queue.async(group: group) { sink.write(piece.bytes) }
        filled = 0
        current = (current + 1) % Self.bufferCount
        inUse[current].wait()
        try check()
    }

    /// Throws what the writing thread met.
    private func check() throws(FileIOError) {
        if let failure = sink.failure { throw failure }
    }

    private func drain() {
        for group in inUse { group.wait() }
    }

    /// Bytes handed to the writing thread; valid until their group is done.
    private struct Piece: @unchecked Sendable { var bytes: UnsafeRawBufferPointer }

    /// The writing thread's side: the file and the first error it met.
    private final class Sink: @unchecked Sendable {
        private let file: AtomicFile
        private let lock = NSLock()
        private var firstFailure: FileIOError?

        init(file: AtomicFile) { self.file = file }

        /// The first write that failed, if any.
        var failure: FileIOError? { lock.withLock { firstFailure } }

        /// Writes `bytes` unless an earlier write failed.
        func write(_ bytes: UnsafeRawBufferPointer) {
            guard failure == nil else { return }
            do throws(FileIOError) { try file.write(bytes) } catch {
                lock.withLock { if firstFailure == nil { firstFailure = error } }
            }
        }
    }
}
