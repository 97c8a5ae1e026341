import Crypto
import Dispatch

/// SHA-256 of bytes that are being written, computed on a second thread chunk
/// by chunk while the writing thread hands the same chunk to the kernel: the
/// digest costs no extra pass over the data and, with a core to spare, no
/// extra time.
///
/// `hash(_:while:)` hashes `bytes` on the hashing thread while `write` runs on
/// the caller's, and returns only when both are done, so the bytes need to
/// stay valid only for the call (a reused read buffer is fine). Small buffers
/// are hashed inline: handing them over would cost more than hashing them.
/// The hashing thread's state is only touched between calls by the caller,
/// after `pending.wait()`, so the two threads never touch it at once.
///
/// ```swift
/// let hasher = PipelinedHasher()
/// try hasher.hash(chunk) { try file.write(chunk) }
/// let digest = hasher.finalize()
/// ```
final class PipelinedHasher: @unchecked Sendable {
    /// Buffers smaller than this are hashed on the calling thread.
    static let inlineBytes = 256 << 10
    /// Largest piece handed to the hashing thread at once (the writer's unit too).
    static let chunkBytes = 8 << 20

    private var state = SHA256()
    private let queue = DispatchQueue(label: "arbor.checkpoint.sha256")

    /// Bytes handed between the threads; valid while `hash(_:while:)` runs.
    private struct Piece: @unchecked Sendable { var bytes: UnsafeRawBufferPointer }

    /// Hashes `bytes` (in order after everything hashed before) while `write`
    /// writes them, in pieces of at most `chunkBytes`; returns when both are
    /// done. The hashing thread may lag behind the writes within the call
    /// (the bytes stay valid until it returns), so neither side waits for the
    /// other piece by piece.
    func hash<E: Error>(_ bytes: UnsafeRawBufferPointer, while write: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        if bytes.count < Self.inlineBytes {
            state.update(bufferPointer: bytes)
            return try write(bytes)
        }
        let pending = DispatchGroup()
        // Wait for the hashing even when a write fails: the bytes must outlive it.
        defer { pending.wait() }
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + Self.chunkBytes)
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            let handed = Piece(bytes: piece)
            queue.async(group: pending) { [self] in state.update(bufferPointer: handed.bytes) }
            try write(piece)
            start = end
        }
    }

    /// The digest of everything hashed so far.
    func finalize() -> SHA256.Digest { state.finalize() }
}
