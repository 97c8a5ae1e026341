@testable import ArborInterop
import Testing

/// The ZIP central-directory reader: torch's layout, ZIP64, and refusals.
@Suite struct ZipArchiveTests {
    /// A stored ZIP of `entries`; with `zip64`, every size and offset in the
    /// central directory is 0xFFFFFFFF with the real values in a ZIP64 extra
    /// field, and the end record points to a ZIP64 end record (as torch
    /// writes archives over 4 GiB).
    static func makeZip(_ entries: [(String, [UInt8])], zip64: Bool = false, method: UInt16 = 0) -> [UInt8] {
        func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, data) in entries {
            let offset = out.count
            let nameBytes = Array(name.utf8)
            out += le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(Int(method), 2) + le(0, 4) + le(0, 4)
                + le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2) + nameBytes + data
            let extra = zip64 ? le(1, 2) + le(24, 2) + le(data.count, 8) + le(data.count, 8) + le(offset, 8) : []
            let wide = zip64 ? 0xFFFF_FFFF : -1
            central += le(0x0201_4b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(Int(method), 2) + le(0, 4) + le(0, 4)
                + le(zip64 ? wide : data.count, 4) + le(zip64 ? wide : data.count, 4) + le(nameBytes.count, 2)
                + le(extra.count, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(zip64 ? wide : offset, 4)
                + nameBytes + extra
        }
        let directoryOffset = out.count
        out += central
        if zip64 {
            let record = out.count
            out += le(0x0606_4b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4)
                + le(entries.count, 8) + le(entries.count, 8) + le(central.count, 8) + le(directoryOffset, 8)
            out += le(0x0706_4b50, 4) + le(0, 4) + le(record, 8) + le(1, 4)
            out += le(0x0605_4b50, 4) + le(0, 4) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(0, 2)
        } else {
            out += le(0x0605_4b50, 4) + le(0, 4) + le(entries.count, 2) + le(entries.count, 2) + le(central.count, 4)
                + le(directoryOffset, 4) + le(0, 2)
        }
        return out
    }

    private func read(_ bytes: [UInt8]) throws -> (ZipArchive, [String: [UInt8]]) {
        try bytes.withUnsafeBytes { raw in
            let zip = try ZipArchive(bytes: raw, file: "t.zip")
            var contents: [String: [UInt8]] = [:]
            for entry in zip.entries { contents[entry.name] = Array(raw[try zip.dataRange(of: entry, in: raw)]) }
            return (zip, contents)
        }
    }

    @Test(arguments: [false, true]) func readsStoredEntries(zip64: Bool) throws {
        let bytes = Self.makeZip([("a/data.pkl", [1, 2, 3]), ("a/data/0", Array(repeating: 7, count: 64)), ("a/empty", [])],
                                 zip64: zip64)
        let (zip, contents) = try read(bytes)
        #expect(zip.entries.map(\.name) == ["a/data.pkl", "a/data/0", "a/empty"])
        #expect(contents["a/data.pkl"] == [1, 2, 3])
        #expect(contents["a/data/0"] == Array(repeating: 7, count: 64))
        #expect(contents["a/empty"] == [])
    }

    @Test func refusesWhatIsNotAZip() {
        #expect(throws: PyTorchFileError.badArchive(file: "t.zip", reason: "no end-of-central-directory record (not a ZIP archive)")) {
            try read(Array(repeating: 0, count: 100))
        }
        #expect(throws: PyTorchFileError.self) { try read([1, 2, 3]) }
    }

    @Test func refusesCompressedEntries() {
        let bytes = Self.makeZip([("a/data.pkl", [1, 2, 3])], method: 8)
        #expect(throws: PyTorchFileError.self) { try read(bytes) }
    }

    /// Every single-byte truncation and corruption is an error or a valid read, never a crash.
    @Test func truncatedOrCorruptedArchivesFailCleanly() {
        let bytes = Self.makeZip([("a/data.pkl", [1, 2, 3]), ("a/data/0", [9, 9])], zip64: true)
        for length in 0..<bytes.count { _ = try? read(Array(bytes.prefix(length))) }
        for position in bytes.indices {
            var corrupt = bytes
            corrupt[position] = 0xFF
            _ = try? read(corrupt)
        }
    }

    @Test func refusesAnEntryListedTwice() {
        let bytes = Self.makeZip([("a/x", [1]), ("a/x", [2])])
        #expect(throws: PyTorchFileError.badArchive(file: "t.zip", reason: "entry \"a/x\" is listed twice")) { try read(bytes) }
    }
}
