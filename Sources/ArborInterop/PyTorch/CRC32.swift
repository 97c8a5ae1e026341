/// The CRC-32 of ZIP (IEEE 802.3, reflected polynomial `0xEDB88320`), the
/// checksum each entry of a `torch.save` archive carries.
///
/// Computed incrementally (`update` per chunk) so a conversion checks each
/// storage on the same pass that copies it. zlib's braided algorithm in
/// plain Swift (no platform intrinsics): five independent table chains.
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

    /// zlib's braided CRC (five interleaved lanes of 8-byte words, so five
    /// independent table chains run in parallel), then single bytes: single
    /// bytes up to an 8-byte boundary, 40-byte blocks, single bytes.
    private static func update(_ initial: UInt32, _ start: UnsafeRawPointer, _ count: Int,
                               _ table: UnsafePointer<UInt32>) -> UInt32 {
        var crc = initial
        var pointer = start
        let end = start + count
        @inline(__always) func byte(_ crc: UInt32, _ value: UInt8) -> UInt32 {
            table[Int((crc ^ UInt32(value)) & 0xFF)] ^ (crc >> 8)
        }
        // The CRC of a word's eight bytes followed by the other four lanes' words (32 zero bytes).
        @inline(__always) func lane(_ word: UInt64) -> UInt32 {
            var result: UInt32 = 0
            for k in 0..<8 { result ^= table[(39 - k) &* 256 &+ Int((word >> (8 * UInt64(k))) & 0xFF)] }
            return result
        }
        // A word's eight bytes in order, as the plain byte loop would.
        @inline(__always) func word(_ value: UInt64) -> UInt32 {
            var data = value
            for _ in 0..<8 { data = (data >> 8) ^ UInt64(table[Int(data & 0xFF)]) }
            return UInt32(truncatingIfNeeded: data)
        }
        while pointer < end, UInt(bitPattern: pointer) & 7 != 0 {
            crc = byte(crc, pointer.load(as: UInt8.self))
            pointer += 1
        }
        let blocks = (end - pointer) / 40
        if blocks > 0 {
            var c0 = UInt64(crc), c1: UInt64 = 0, c2: UInt64 = 0, c3: UInt64 = 0, c4: UInt64 = 0
            for _ in 1..<blocks {
                let w0 = c0 ^ UInt64(littleEndian: pointer.load(as: UInt64.self))
                let w1 = c1 ^ UInt64(littleEndian: (pointer + 8).load(as: UInt64.self))
                let w2 = c2 ^ UInt64(littleEndian: (pointer + 16).load(as: UInt64.self))
                let w3 = c3 ^ UInt64(littleEndian: (pointer + 24).load(as: UInt64.self))
                let w4 = c4 ^ UInt64(littleEndian: (pointer + 32).load(as: UInt64.self))
                c0 = UInt64(lane(w0))
                c1 = UInt64(lane(w1))
                c2 = UInt64(lane(w2))
                c3 = UInt64(lane(w3))
                c4 = UInt64(lane(w4))
                pointer += 40
            }
            // The last block folds the five lanes together.
            var combined = word(c0 ^ UInt64(littleEndian: pointer.load(as: UInt64.self)))
            combined = word(c1 ^ UInt64(littleEndian: (pointer + 8).load(as: UInt64.self)) ^ UInt64(combined))
            combined = word(c2 ^ UInt64(littleEndian: (pointer + 16).load(as: UInt64.self)) ^ UInt64(combined))
            combined = word(c3 ^ UInt64(littleEndian: (pointer + 24).load(as: UInt64.self)) ^ UInt64(combined))
            crc = word(c4 ^ UInt64(littleEndian: (pointer + 32).load(as: UInt64.self)) ^ UInt64(combined))
            pointer += 40
        }
        while pointer < end {
            crc = byte(crc, pointer.load(as: UInt8.self))
            pointer += 1
        }
        return crc
    }

    /// Forty 256-entry tables: `tables[k * 256 + b]` is the CRC of byte `b`
    /// followed by `k` zero bytes (table 0 is the plain byte table; the braid
    /// uses tables 32 to 39).
    private static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 40 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            table[byte] = crc
        }
        for k in 1..<40 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = table[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return table
    }()
}
