#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes behind one or more tensors.
///
/// A storage is either an owned, 64-byte aligned heap buffer, a read-only window
/// into a `MappedFile` (which it keeps alive), or nothing at all for an abstract
/// tensor that only carries shape and dtype. Tensors share a storage until one of
/// them writes: `Tensor` copies first unless it holds the only reference to an
/// owned buffer (copy-on-write). Mapped windows are never written in place.
///
/// `package`, not public: `baseAddress` is a writable pointer even into a
/// read-only mapping, so only `Tensor` (which checks `isWritable` and copies
/// first) and the package's own targets may hold one. Users reach the bytes
/// through `Tensor.withUnsafeBytes` and `withUnsafeMutableBytes`.
package final class TensorStorage: @unchecked Sendable {
    /// Where the bytes come from.
    package enum Backing: Sendable {
        /// Heap memory this storage allocated and frees.
        case owned
        /// A read-only window into a memory-mapped file.
        case mapped(MappedFile)
        /// No bytes: shape and dtype only (see `Tensor.abstract`).
        case abstract
    }

    /// Alignment of owned buffers; enough for any SIMD kernel Arbor runs.
    package static let alignment = 64

    /// First byte, or `nil` for abstract storage.
    package let baseAddress: UnsafeMutableRawPointer?
    /// Number of bytes the storage covers.
    package let byteCount: Int
    /// Where the bytes come from.
    package let backing: Backing
    /// For a mapped window, where its bytes start in the file (for `pread`).
    package let fileOffset: Int

    /// Allocates `byteCount` bytes, zero-filled when `zeroed` is true.
    package init(allocating byteCount: Int, zeroed: Bool = true) {
        // Callers pass checked sizes (`Tensor.byteCount(shape:dtype:)`, a file's validated header).
        precondition(byteCount >= 0, "TensorStorage: negative byte count \(byteCount)")
        let pointer = byteCount >= TensorStorage.hugePageThreshold
            ? TensorStorage.allocateOnHugePages(byteCount)
            : UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: TensorStorage.alignment)
        if zeroed { memset(pointer, 0, byteCount) }
        self.baseAddress = pointer
        self.byteCount = byteCount
        self.backing = .owned
        self.fileOffset = 0
    }

    /// Owned buffers at least this large are aligned to `hugePageSize` and ask
    /// for transparent huge pages (the alignment costs address space only).
    static let hugePageThreshold = 2 << 20
    /// The x86-64 and arm64 (4 KiB base page) transparent huge page size.
    package static let hugePageSize = 2 << 20

    /// `byteCount` bytes aligned to `hugePageSize` and advised to use huge
    /// pages (see `adviseHugePages`); free them with `deallocate()`. Also for
    /// the buffers a device reads directly, where 2 MiB pages turn one large
    /// write into a few large requests (SafeTensors' `TransferBuffers`).
    package static func allocateOnHugePages(_ byteCount: Int) -> UnsafeMutableRawPointer {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: hugePageSize)
        adviseHugePages(pointer, byteCount)
        return pointer
    }

    /// Asks the kernel to back a fresh buffer (2 MiB aligned) with transparent
    /// huge pages (`MADV_HUGEPAGE`; Linux's default THP mode, `madvise`, only
    /// does so when asked). Filling a large tensor otherwise takes one page
    /// fault per 4 KiB, and on a virtual machine those faults cost more than
    /// the copy: loading GPT-2 medium took twice as long without this. Only
    /// whole pages inside the buffer are advised; the hint is ignored where
    /// THP is off. Linux only: macOS has no transparent huge pages to ask for
    /// (it chooses page sizes itself), so there the buffer is only aligned.
    private static func adviseHugePages(_ pointer: UnsafeMutableRawPointer, _ byteCount: Int) {
        #if os(Linux)
        guard let (start, length) = wholePages(pointer, byteCount) else { return }
        _ = madvise(start, length, MADV_HUGEPAGE)
        #endif
    }

    /// The whole pages inside `byteCount` bytes at `pointer` (start, length),
    /// or `nil` when there are none; `madvise` takes page-aligned ranges and
    /// would otherwise round out into a neighbour's memory.
    private static func wholePages(_ pointer: UnsafeRawPointer, _ byteCount: Int) -> (UnsafeMutableRawPointer, Int)? {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return nil }
        let first = (Int(bitPattern: pointer) + page - 1) / page * page
        let end = (Int(bitPattern: pointer) + byteCount) / page * page
        guard end > first, let start = UnsafeMutableRawPointer(bitPattern: first) else { return nil }
        return (start, end - first)
    }

    /// A window of `range` bytes into `file`; nothing is copied.
    package init(window range: Range<Int>, of file: MappedFile) {
        // `Tensor.init(shape:dtype:mapping:of:)` throws for ranges outside the file first.
        precondition(range.lowerBound >= 0 && range.upperBound <= file.byteCount,
                     "TensorStorage: window \(range) outside mapped file of \(file.byteCount) bytes")
        self.baseAddress = file.baseAddress.map { UnsafeMutableRawPointer(mutating: $0 + range.lowerBound) }
        self.byteCount = range.count
        self.backing = .mapped(file)
        self.fileOffset = range.lowerBound
    }

    /// Storage with no bytes, for abstract tensors.
    package init(abstractByteCount byteCount: Int) {
        self.baseAddress = nil
        self.byteCount = byteCount
        self.backing = .abstract
        self.fileOffset = 0
    }

    /// Whether tensors may write into these bytes when uniquely referenced.
    package var isWritable: Bool {
        if case .owned = backing { return true }
        return false
    }

    /// Whether this storage is a window into a mapped file.
    package var isMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }

    /// Whether the storage has no bytes (abstract tensor).
    package var isAbstract: Bool {
        if case .abstract = backing { return true }
        return false
    }

    /// A new owned storage holding a copy of these bytes.
    package func copy() -> TensorStorage {
        precondition(!isAbstract, "TensorStorage: cannot copy the bytes of an abstract tensor")
        let result = TensorStorage(allocating: byteCount, zeroed: false)
        if byteCount > 0, let source = baseAddress, let target = result.baseAddress {
            target.copyMemory(from: source, byteCount: byteCount)
        }
        return result
    }

    /// Drops the whole pages of a mapped window from this process's resident
    /// set (`madvise(MADV_DONTNEED)`), for a caller that has copied the bytes
    /// away (the `transpose` state-dict rule while loading) and would otherwise
    /// keep them counted in its memory twice. The mapping is read-only and
    /// private, so its pages are never dirty and nothing is lost: the bytes
    /// stay valid and a later read faults them in again from the page cache or
    /// the file. Pages shared with a neighbouring window are kept. Does nothing
    /// for owned or abstract storage. Linux only: Darwin's `MADV_DONTNEED` only
    /// marks pages as reclaimable later, so there the call does nothing and the
    /// kernel reclaims clean file pages under memory pressure as usual.
    package func releaseResidentPages() {
        #if os(Linux)
        guard case .mapped = backing, let base = baseAddress,
              let (start, length) = TensorStorage.wholePages(base, byteCount) else { return }
        _ = madvise(start, length, MADV_DONTNEED)
        #endif
    }

    deinit {
        if case .owned = backing { baseAddress?.deallocate() }
    }
}
