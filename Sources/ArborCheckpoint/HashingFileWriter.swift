import Crypto
import Dispatch
import Foundation
import SafeTensors

/// A durable `PipelinedFileWriter` whose bytes are SHA-256-hashed on a third
/// thread (`PipelinedHasher`) as they are written, never in a pass of their own.
///
/// The caller copies into the ring of aligned buffers; each full buffer is
/// hashed on the hashing thread and written (with direct I/O where the system
/// has it) on the writing thread at the same time, while the caller fills the
/// next. So a save costs one copy on the caller's thread, and the disk and the
/// hash run side by side behind it.
///
/// ```swift
/// let writer = try HashingFileWriter(destination: url, expectedBytes: size)
/// try writer.write(header)
/// try writer.write(tensorBytes)
/// let digest = try writer.commit()   // every write done, fsync'ed, renamed
/// ```
final class HashingFileWriter {
    /// Size of each buffer of the ring, which is also the piece each thread works on.
    static let bufferBytes = PipelinedFileWriter.bufferBytes

    private let hasher = PipelinedHasher()
    private let writer: PipelinedFileWriter

    /// Creates the temporary file next to `destination` (see `AtomicFile`);
    /// direct I/O is tried when `expectedBytes` fills at least one buffer.
    init(destination: URL, expectedBytes: Int) throws(FileIOError) {
        let hasher = self.hasher
        writer = try PipelinedFileWriter(destination: destination, expectedBytes: expectedBytes) { bytes, group in
            hasher.submit(bytes, group: group)
        }
    }

    /// Appends `bytes` (valid only for the call).
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) { try writer.write(bytes) }

    /// Writes everything, syncs and renames the file into place; returns the
    /// SHA-256 of every byte written.
    func commit() throws(FileIOError) -> SHA256.Digest {
        try writer.commit()
        return hasher.finalize()
    }
}
