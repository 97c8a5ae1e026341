@testable import ArborInterop
import ArborTestSupport
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
    private static func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 { ~bitwiseRegister(0xFFFF_FFFF, bytes) }

    /// The register after `bytes`, one bit at a time.
    private static func bitwiseRegister(_ initial: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc = initial
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc
    }

    /// `count` bytes from a seeded generator.
    private static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 56) }
    }

    /// The checksum of `bytes` by `path` (or the fastest path the CPU has below it).
    private static func checksum(_ bytes: ArraySlice<UInt8>, path: CRC32.Path) -> UInt32 {
        var crc = CRC32()
        bytes.withUnsafeBytes { crc.update($0, path: path) }
        return crc.value
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

extension CRC32Tests {
    /// Every length up to 600 (the 16-, 64- and 40-byte block edges and the
    /// tails after them) at every start offset modulo 16, by every path.
    @Test func everyShortLengthByEveryPathMatchesTheDefinition() {
        let bytes = Self.randomBytes(17 + 600, seed: 1)
        for offset in 0..<17 {
            var register: UInt32 = 0xFFFF_FFFF
            for length in 0...600 {
                if length > 0 { register = Self.bitwiseRegister(register, bytes[(offset + length - 1)...(offset + length - 1)]) }
                let slice = bytes[offset..<(offset + length)]
                for path in CRC32.Path.allCases {
                    #expect(Self.checksum(slice, path: path) == ~register, "length \(length) offset \(offset) \(path)")
                }
                #expect(slice.withUnsafeBytes { CRC32.checksum($0) } == ~register, "length \(length) offset \(offset)")
            }
        }
    }

    /// A few MiB in random pieces (empty, a byte, a block edge, hundreds of
    /// KiB), so every path resumes from a register in every state.
    @Test func largeBufferInRandomPiecesMatchesTheDefinition() {
        let count = 3 << 20 + 12345
        let bytes = Self.randomBytes(count, seed: 2)
        let expected = Self.bitwise(bytes[...])
        var generator = SplitMix64(seed: 3)
        for path in CRC32.Path.allCases {
            var crc = CRC32()
            var start = 0
            while start < count {
                let limit = [1, 17, 300, 5000, 300_000][Int(generator.next() % 5)]
                let end = min(count, start + Int(generator.next() % UInt64(limit + 1)))
                bytes[start..<end].withUnsafeBytes { crc.update($0, path: path) }
                start = end
            }
            #expect(crc.value == expected, "\(path)")
        }
        #expect(bytes.withUnsafeBytes { CRC32.checksum($0) } == expected)
    }

    /// The carry-less paths and the table path agree on lengths around their
    /// thresholds (64-byte blocks, the 1 KiB VPCLMULQDQ minimum, 256-byte blocks)
    /// from registers other than the initial one.
    @Test func fastAndPortablePathsAgree() {
        let bytes = Self.randomBytes(70_016, seed: 4)
        var generator = SplitMix64(seed: 5)
        let lengths = [63, 64, 65, 127, 128, 1023, 1024, 1025, 1279, 1280, 1296, 4095, 65_536, 69_999]
        for length in lengths {
            for offset in [0, 1, 8, 15] {
                let initial = UInt32(truncatingIfNeeded: generator.next())
                let slice = bytes[offset..<(offset + length)]
                var portable = CRC32(register: initial)
                slice.withUnsafeBytes { portable.update($0, path: .portable) }
                for path in CRC32.Path.allCases {
                    var crc = CRC32(register: initial)
                    slice.withUnsafeBytes { crc.update($0, path: path) }
                    #expect(crc == portable, "length \(length) offset \(offset) \(path)")
                }
                var fastest = CRC32(register: initial)
                slice.withUnsafeBytes { fastest.update($0) }
                #expect(fastest == portable, "length \(length) offset \(offset)")
            }
        }
    }
}
