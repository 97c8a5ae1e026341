import Crypto
import Dispatch
import Foundation
import SafeTensors

/// An `AtomicFile` (durable) whose bytes are SHA-256-hashed on a second thread
/// as they are written (`PipelinedHasher`), never in a pass of their own.
///
/// Bytes are gathered into a ring of aligned buffers: a full buffer is handed
/// to the hashing thread and written while the next one fills, so the hashing
/// may lag the writes by several buffers before the writer waits for it. A file of at
/// least one buffer is written with direct I/O where the system has it
/// (`AtomicFile.setDirect`, Linux): the device reads the buffers and the
/// kernel copies nothing into the page cache, which is most of the cost of a
/// large buffered write on a virtual machine; the unaligned tail is written
/// normally, and `commit()` fsyncs as always. Elsewhere a large write goes
/// straight from the caller's memory, hashed in step.
///
/// ```swift
/// let writer = try HashingFileWriter(destination: url, expectedBytes: size)
/// try writer.write(header)
/// try writer.write(tensorBytes)
/// let digest = try writer.commit()   // flushed, fsync'ed, renamed
/// ```
final class HashingFileWriter {
    /// Without direct I/O, writes at least this large bypass the buffers.
    static let straightBytes = 1 << 20
    /// Size of each gathering buffer (a multiple of `AtomicFile.directAlignment`).
    static let bufferBytes = PipelinedHasher.chunkBytes
    /// Buffers in the ring.
    static let bufferCount = 4

    private let file: AtomicFile
    private let hasher = PipelinedHasher()
    private let buffers: [UnsafeMutableRawPointer]
    private let pending = (0..<HashingFileWriter.bufferCount).map { _ in DispatchGroup() }
    private var current = 0
    private var filled = 0

    /// Creates the temporary file next to `destination` (see `AtomicFile`);
    /// direct I/O is tried when `expectedBytes` fills at least one buffer.
    init(destination: URL, expectedBytes: Int) throws(FileIOError) {
        file = try AtomicFile(destination: destination, durable: true)
        buffers = (0..<Self.bufferCount).map { _ in
            UnsafeMutableRawPointer.allocate(byteCount: Self.bufferBytes, alignment: AtomicFile.directAlignment)
        }
        if expectedBytes >= Self.bufferBytes { file.setDirect(true) }
    }

    deinit {
        for group in pending { group.wait() }   // the hashing thread may still read a buffer
        for buffer in buffers { buffer.deallocate() }
    }

    /// Appends `bytes` (valid only for the call).
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        guard var source = bytes.baseAddress, bytes.count > 0 else { return }
        if !file.isDirect, bytes.count >= Self.straightBytes {
            try flush()
            return try hasher.hash(bytes) { (piece) throws(FileIOError) in try file.write(piece) }
        }
        var remaining = bytes.count
        while remaining > 0 {
            let count = min(remaining, Self.bufferBytes - filled)
            (buffers[current] + filled).copyMemory(from: source, byteCount: count)
            filled += count
            source += count
            remaining -= count
            if filled == Self.bufferBytes { try flush() }
        }
    }

    /// Writes everything, syncs and renames the file into place; returns the
    /// SHA-256 of every byte written.
    func commit() throws(FileIOError) -> SHA256.Digest {
        if file.isDirect, filled % AtomicFile.directAlignment != 0 { file.setDirect(false) }
        try flush()
        try file.commit()
        return hasher.finalize()
    }

    /// Hands the current buffer to the hashing thread, writes it, and moves to
    /// the next buffer of the ring once that one's hashing is done.
    private func flush() throws(FileIOError) {
        guard filled > 0 else { return }
        let piece = UnsafeRawBufferPointer(start: buffers[current], count: filled)
        hasher.submit(piece, group: pending[current])
        filled = 0
        current = (current + 1) % Self.bufferCount
        try file.write(piece)
        pending[current].wait()
    }
}
