/// The CRC-32 of ZIP (IEEE 802.3, reflected polynomial `0xEDB88320`), the
/// checksum each entry of a `torch.save` archive carries.
///
/// Computed incrementally (`update` per chunk) so a conversion checks each
/// storage on the same pass that copies it. Slicing-by-16: sixteen table
/// look-ups per 16 bytes, no platform intrinsics.
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

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let crc = state
        state = Self.tables.withUnsafeBufferPointer { table in
            // A function of its own so the loop keeps everything in registers.
            Self.update(crc, base, bytes.count, table.baseAddress.unsafelyUnwrapped)
        }
    }

    /// Slicing-by-16 over `count` bytes at `start`: single bytes up to an
    /// 8-byte boundary, then 16 bytes per step, then single bytes.
    private static func update(_ initial: UInt32, _ start: UnsafeRawPointer, _ count: Int,
                               _ table: UnsafePointer<UInt32>) -> UInt32 {
        var crc = initial
        var pointer = start
        let end = start + count
        @inline(__always) func byte(_ crc: UInt32, _ value: UInt8) -> UInt32 {
            table[Int((crc ^ UInt32(value)) & 0xFF)] ^ (crc >> 8)
        }
        @inline(__always) func slice(_ k: Int, _ index: UInt32) -> UInt32 { table[k &* 256 &+ Int(index & 0xFF)] }
        while pointer < end, UInt(bitPattern: pointer) & 7 != 0 {
            crc = byte(crc, pointer.load(as: UInt8.self))
            pointer += 1
        }
        while end - pointer >= 16 {
            let a = UInt64(littleEndian: pointer.load(as: UInt64.self))
            let b = UInt64(littleEndian: (pointer + 8).load(as: UInt64.self))
            let w0 = UInt32(truncatingIfNeeded: a) ^ crc, w1 = UInt32(truncatingIfNeeded: a >> 32)
            let w2 = UInt32(truncatingIfNeeded: b), w3 = UInt32(truncatingIfNeeded: b >> 32)
            crc = slice(15, w0) ^ slice(14, w0 >> 8) ^ slice(13, w0 >> 16) ^ slice(12, w0 >> 24)
                ^ slice(11, w1) ^ slice(10, w1 >> 8) ^ slice(9, w1 >> 16) ^ slice(8, w1 >> 24)
                ^ slice(7, w2) ^ slice(6, w2 >> 8) ^ slice(5, w2 >> 16) ^ slice(4, w2 >> 24)
                ^ slice(3, w3) ^ slice(2, w3 >> 8) ^ slice(1, w3 >> 16) ^ slice(0, w3 >> 24)
            pointer += 16
        }
        while pointer < end {
            crc = byte(crc, pointer.load(as: UInt8.self))
            pointer += 1
        }
        return crc
    }

    /// Sixteen 256-entry tables: `tables[k * 256 + b]` is the CRC of byte `b`
    /// followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 16 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            table[byte] = crc
        }
        for k in 1..<16 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = table[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return table
    }()
}
