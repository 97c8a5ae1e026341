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
public final class TensorStorage: @unchecked Sendable {
    /// Where the bytes come from.
    public enum Backing: Sendable {
        /// Heap memory this storage allocated and frees.
        case owned
        /// A read-only window into a memory-mapped file.
        case mapped(MappedFile)
        /// No bytes: shape and dtype only (see `Tensor.abstract`).
        case abstract
    }

    /// Alignment of owned buffers; enough for any SIMD kernel Arbor runs.
    public static let alignment = 64

    /// First byte, or `nil` for abstract storage.
    public let baseAddress: UnsafeMutableRawPointer?
    /// Number of bytes the storage covers.
    public let byteCount: Int
    /// Where the bytes come from.
    public let backing: Backing

    /// Allocates `byteCount` bytes, zero-filled when `zeroed` is true.
    public init(allocating byteCount: Int, zeroed: Bool = true) {
        precondition(byteCount >= 0, "TensorStorage: negative byte count \(byteCount)")
        let pointer = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(byteCount, 1), alignment: TensorStorage.alignment)
        if zeroed { memset(pointer, 0, byteCount) }
        self.baseAddress = pointer
        self.byteCount = byteCount
        self.backing = .owned
    }

    /// A window of `range` bytes into `file`; nothing is copied.
    public init(window range: Range<Int>, of file: MappedFile) {
        precondition(range.lowerBound >= 0 && range.upperBound <= file.byteCount,
                     "TensorStorage: window \(range) outside mapped file of \(file.byteCount) bytes")
        self.baseAddress = file.baseAddress.map { UnsafeMutableRawPointer(mutating: $0 + range.lowerBound) }
        self.byteCount = range.count
        self.backing = .mapped(file)
    }

    /// Storage with no bytes, for abstract tensors.
    public init(abstractByteCount byteCount: Int) {
        self.baseAddress = nil
        self.byteCount = byteCount
        self.backing = .abstract
    }

    /// Whether tensors may write into these bytes when uniquely referenced.
    public var isWritable: Bool {
        if case .owned = backing { return true }
        return false
    }

    /// Whether this storage is a window into a mapped file.
    public var isMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }

    /// Whether the storage has no bytes (abstract tensor).
    public var isAbstract: Bool {
        if case .abstract = backing { return true }
        return false
    }

    /// A new owned storage holding a copy of these bytes.
    public func copy() -> TensorStorage {
        precondition(!isAbstract, "TensorStorage: cannot copy the bytes of an abstract tensor")
        let result = TensorStorage(allocating: byteCount, zeroed: false)
        if byteCount > 0, let source = baseAddress, let target = result.baseAddress {
            target.copyMemory(from: source, byteCount: byteCount)
        }
        return result
    }

    deinit {
        if case .owned = backing { baseAddress?.deallocate() }
    }
}
