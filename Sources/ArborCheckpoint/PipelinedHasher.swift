import Crypto
import Dispatch

/// SHA-256 of bytes that are being written, computed on a second thread piece
/// by piece while the writing thread hands the same bytes to the kernel: the
/// digest costs no extra pass over the data and, with a core to spare, no
/// extra time. Pieces are hashed in the order they are handed over (one
/// serial queue); the caller keeps each piece valid until its group is done.
///
/// ```swift
/// let hasher = PipelinedHasher()
/// try hasher.hash(tensorBytes) { piece in try file.write(piece) }  // returns when both are done
/// let digest = hasher.finalize()
/// ```
final class PipelinedHasher: @unchecked Sendable {
    /// Largest piece handed to the hashing thread at once (the writer's unit too).
    static let chunkBytes = 8 << 20

    private var state = SHA256()
    private let queue = DispatchQueue(label: "arbor.checkpoint.sha256")

    /// Bytes handed between the threads; valid until their group is done.
    private struct Piece: @unchecked Sendable { var bytes: UnsafeRawBufferPointer }

    /// Hashes `bytes` on the hashing thread, after everything handed over
    /// before; `group` is done when it has. `bytes` must stay valid until then.
    func submit(_ bytes: UnsafeRawBufferPointer, group: DispatchGroup) {
        let piece = Piece(bytes: bytes)
        queue.async(group: group) { [self] in state.update(bufferPointer: piece.bytes) }
    }

    /// Hashes `bytes` while `write` writes them, in pieces of at most
    /// `chunkBytes`; returns when both are done. The hashing may lag the
    /// writes within the call (the bytes stay valid until it returns), so
    /// neither side waits for the other piece by piece.
    func hash<E: Error>(_ bytes: UnsafeRawBufferPointer, while write: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        let pending = DispatchGroup()
        // Wait for the hashing even when a write fails: the bytes must outlive it.
        defer { pending.wait() }
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + Self.chunkBytes)
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            submit(piece, group: pending)
            try write(piece)
            start = end
        }
    }

    /// The digest of everything handed over (waits for the hashing thread).
    func finalize() -> SHA256.Digest { queue.sync { state.finalize() } }
}
