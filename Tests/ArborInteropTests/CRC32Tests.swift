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
