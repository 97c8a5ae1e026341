import CArborKernels

/// The CRC-32 of ZIP (IEEE 802.3, reflected polynomial `0xEDB88320`), the
/// checksum each entry of a `torch.save` archive carries.
///
/// Computed incrementally (`update` per chunk) so a conversion checks each
/// storage on the same pass that copies it. The work is `arbor_crc32_update`
/// in CArborKernels: carry-less multiplication (PCLMULQDQ, or VPCLMULQDQ with
/// AVX-512) where the CPU has it, several times faster than the table CRC that
/// runs everywhere else; every path gives the same checksum.
///
/// ```swift
/// var crc = CRC32()
/// crc.update(chunk)
/// let ok = crc.value == entry.crc32
/// ```
public struct CRC32: Sendable, Equatable {
    /// The checksum of the bytes given so far.
    public var value: UInt32 { ~state }
    private var state: UInt32 = 0xFFFF_FFFF

    /// The checksum of no bytes (0).
    public init() {}

    /// A checksum resumed from the internal register `register` (`~value`).
    init(register: UInt32) { state = register }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        state = arbor_crc32_update(state, base, bytes.count)
    }

    /// The ways of computing the register, slowest first (the numbers
    /// `arbor_crc32_path` uses), so tests can hold every path to one answer.
    enum Path: Int32, CaseIterable {
        /// Table look-ups (zlib's braided CRC), on any CPU.
        case portable = 0
        /// PCLMULQDQ folds of 64-byte blocks (x86-64).
        case pclmul = 1
        /// VPCLMULQDQ folds of 256-byte blocks (x86-64 with AVX-512).
        case vpclmul = 2
    }

    /// Adds `bytes` by `path` or, when the CPU lacks it, the fastest path it has.
    mutating func update(_ bytes: UnsafeRawBufferPointer, path: Path) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        state = arbor_crc32_update_limited(state, base, bytes.count, path.rawValue)
    }
}
