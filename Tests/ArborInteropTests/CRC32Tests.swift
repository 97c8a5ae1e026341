import ArborInterop
import Testing

/// `CRC32` gives zlib's CRC-32 (the ZIP checksum), whole or in pieces.
@Suite struct CRC32Tests {
    private static func crc(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { CRC32.checksum($0) } }

    @Test func knownValues() {
        #expect(Self.crc([]) == 0)
        #expect(Self.crc(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Self.crc(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    /// Any split, including ones that leave the fast loop unaligned, gives the one-shot value.
    @Test func piecesGiveTheWholeChecksum() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = Self.crc(bytes)
        for split in [1, 3, 7, 8, 9, 500, 999] {
            var crc = CRC32()
            bytes[..<split].withUnsafeBytes { crc.update($0) }
            bytes[split...].withUnsafeBytes { crc.update($0) }
            #expect(crc.value == whole, "split at \(split)")
        }
        #expect(Self.crc(Array(bytes.dropFirst(3))) != whole)
    }
}

extension CRC32Tests {
    /// The bit-at-a-time definition, to check the table-driven lanes against.
    private static func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// Lengths around the 8-byte alignment and the 40-byte braid blocks, at every start offset.
    @Test func everyLengthAndOffsetMatchesTheDefinition() {
        let bytes = (0..<4200).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
        for length in [0, 1, 7, 8, 39, 40, 41, 79, 80, 81, 119, 120, 200, 1000, 4099] {
            for offset in 0..<9 {
                let slice = bytes[offset..<(offset + length)]
                #expect(slice.withUnsafeBytes { CRC32.checksum($0) } == Self.bitwise(slice), "length \(length) offset \(offset)")
            }
        }
    }
}
