import Crypto
import Dispatch

/// SHA-256 of bytes that are being written, computed on a thread of its own
/// piece by piece while the writing thread hands the same bytes to the
/// kernel: the digest costs no extra pass over the data and, with a core to
/// spare, no extra time. Pieces are hashed in the order they are handed over
/// (one serial queue); the caller keeps each piece valid until its group is done.
///
/// ```swift
/// let hasher = PipelinedHasher()
/// hasher.submit(piece, group: pieceGroup)   // hashed while `piece` is written
/// pieceGroup.wait()
/// let digest = hasher.finalize()
/// ```
final class PipelinedHasher: @unchecked Sendable {
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

    /// The digest of everything handed over (waits for the hashing thread).
    func finalize() -> SHA256.Digest { queue.sync { state.finalize() } }
}
