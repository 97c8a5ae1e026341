import ArborTensor

/// Memory for direct I/O: `count` buffers of `bytes` each, in one block
/// aligned to 2 MiB and backed by huge pages where the system offers them.
///
/// A direct write hands the device the caller's own pages. With 4 KiB pages
/// an 8 MiB buffer is 2,048 scattered pieces, which the block layer splits
/// into many small requests; with 2 MiB pages it is four pieces and two
/// requests. On a virtual disk that nearly halves a large durable write
/// (494 MB in 8 MiB direct writes: 0.32 s from 4 KiB pages, 0.17 s from huge
/// pages). Where huge pages are off or unavailable (another system, a
/// fragmented machine) the buffers are ordinary aligned memory and
/// everything works as before, only slower.
package final class TransferBuffers: @unchecked Sendable {
    /// Size of each buffer.
    package let bytes: Int
    /// Number of buffers.
    package let count: Int
    private let start: UnsafeMutableRawPointer

    /// Reserves `count` buffers of `bytes` (a multiple of 4 KiB) each, on huge
    /// pages if `hugePages` (see `TensorStorage.allocateOnHugePages`).
    package init(count: Int, bytes: Int, hugePages: Bool = true) {
        precondition(count > 0 && bytes > 0 && bytes % AtomicFile.directAlignment == 0)
        self.count = count
        self.bytes = bytes
        start = hugePages
            ? TensorStorage.allocateOnHugePages(count * bytes)
            : UnsafeMutableRawPointer.allocate(byteCount: count * bytes, alignment: AtomicFile.directAlignment)
    }

    deinit { start.deallocate() }

    /// The start of buffer `index`.
    package subscript(index: Int) -> UnsafeMutableRawPointer {
        precondition(index >= 0 && index < count)
        return start + index * bytes
    }
}
