/// The central directory of a ZIP archive held in memory (a memory-mapped
/// file), read without copying: each stored entry's data is a range of the
/// archive's bytes.
///
/// Only what PyTorch's `torch.save` writes is accepted: stored (uncompressed),
/// unencrypted entries on one disk, ZIP64 records for large archives. Every
/// offset and size read from the archive is checked against the archive's
/// length with checked arithmetic before it is used, so a hostile archive
/// gives a `PyTorchFileError.badArchive` naming the rule, never a wild read.
///
/// ```swift
/// let zip = try ZipArchive(bytes: mapping.bytes, file: url.path)
/// let pickle = try zip.dataRange(of: "archive/data.pkl")
/// ```
public struct ZipArchive: Sendable {
    /// One entry of the central directory.
    public struct Entry: Sendable, Equatable {
        /// The entry's name (a path inside the archive).
        public var name: String
        /// The compression method (0 is stored).
        public var method: UInt16
        /// Compressed size in bytes.
        public var compressedSize: Int
        /// Uncompressed size in bytes.
        public var size: Int
        /// Offset of the entry's local header.
        public var localHeaderOffset: Int
        /// The CRC-32 of the entry's uncompressed bytes, as the central directory records it.
        public var crc32: UInt32 = 0
    }

    /// The entries in central-directory order.
    public let entries: [Entry]
    /// Where the archive came from, for error messages.
    public let file: String
    private let positions: [String: Int]
    private let length: Int

    /// Most entries an archive may list (torch writes one per storage plus a few).
    static let maximumEntries = 1 << 22

    /// Reads the end-of-central-directory record (ZIP64 when the archive needs
    /// it) and every central-directory entry of `bytes`.
    public init(bytes: UnsafeRawBufferPointer, file: String) throws(PyTorchFileError) {
        self.file = file
        self.length = bytes.count
        let reader = ByteReader(bytes: bytes, file: file)
        guard bytes.count >= 22 else { throw .badArchive(file: file, reason: "\(bytes.count) bytes is too short for a ZIP archive") }
        // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
        var end = -1
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while position >= lowest {
            if try reader.u32(position) == 0x0605_4b50 { end = position; break }
            position -= 1
        }
        guard end >= 0 else { throw .badArchive(file: file, reason: "no end-of-central-directory record (not a ZIP archive)") }
        var count = Int(try reader.u16(end + 10))
        var directorySize = Int(try reader.u32(end + 12))
        var directoryOffset = Int(try reader.u32(end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            guard end >= 20, try reader.u32(end - 20) == 0x0706_4b50 else {
                throw .badArchive(file: file, reason: "ZIP64 sizes without a ZIP64 end-of-central-directory locator")
            }
            let record = try reader.int64(end - 20 + 8)
            guard try reader.u32(record) == 0x0606_4b50 else {
                throw .badArchive(file: file, reason: "ZIP64 locator points at byte \(record), which is no ZIP64 end record")
            }
            count = try reader.int64(record + 32)
            directorySize = try reader.int64(record + 40)
            directoryOffset = try reader.int64(record + 48)
        }
        guard count <= Self.maximumEntries else {
            throw .badArchive(file: file, reason: "\(count) entries is more than the \(Self.maximumEntries) allowed")
        }
        guard count <= directorySize / 46 else {
            throw .badArchive(file: file, reason: "\(count) entries cannot fit a central directory of \(directorySize) bytes")
        }
        let (directoryEnd, overflow) = directoryOffset.addingReportingOverflow(directorySize)
        guard !overflow, directoryEnd <= bytes.count else {
            throw .badArchive(file: file, reason: "central directory (\(directorySize) bytes at \(directoryOffset)) runs past the end of the file")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var positions: [String: Int] = [:]
        var cursor = directoryOffset
        for _ in 0..<count {
            let entry = try Self.readEntry(reader, at: &cursor, limit: directoryEnd)
            guard positions[entry.name] == nil else {
                throw .badArchive(file: file, reason: "entry \"\(entry.name)\" is listed twice")
            }
            positions[entry.name] = entries.count
            entries.append(entry)
        }
        self.entries = entries
        self.positions = positions
    }

    /// Reads the central-directory entry at `cursor` and moves past it.
    private static func readEntry(_ reader: ByteReader, at cursor: inout Int, limit: Int) throws(PyTorchFileError) -> Entry {
        let start = cursor
        guard try reader.u32(start) == 0x0201_4b50 else {
            throw .badArchive(file: reader.file, reason: "no central-directory entry at byte \(start)")
        }
        let flags = try reader.u16(start + 8)
        let method = try reader.u16(start + 10)
        let crc = try reader.u32(start + 16)
        var compressed = Int(try reader.u32(start + 20))
        var size = Int(try reader.u32(start + 24))
        let nameLength = Int(try reader.u16(start + 28))
        let extraLength = Int(try reader.u16(start + 30))
        let commentLength = Int(try reader.u16(start + 32))
        var offset = Int(try reader.u32(start + 42))
        let next = start + 46 + nameLength + extraLength + commentLength  // each term < 2^16: no overflow
        guard next <= limit else {
            throw .badArchive(file: reader.file, reason: "central-directory entry at byte \(start) runs past the directory")
        }
        let name = try reader.string(start + 46, count: nameLength)
        guard flags & 1 == 0 else { throw .badArchive(file: reader.file, reason: "entry \"\(name)\" is encrypted") }
        // ZIP64 extended information (id 1): the 64-bit values of the fields that are all ones, in order.
        var extra = start + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = try reader.u16(extra)
            let fieldLength = Int(try reader.u16(extra + 2))
            let body = extra + 4
            guard body + fieldLength <= extraEnd else {
                throw .badArchive(file: reader.file, reason: "entry \"\(name)\": extra field runs past its entry")
            }
            if id == 1 {
                var field = body
                for slot in 0..<3 {
                    let value = slot == 0 ? size : slot == 1 ? compressed : offset
                    guard value == 0xFFFF_FFFF else { continue }
                    guard field + 8 <= body + fieldLength else {
                        throw .badArchive(file: reader.file, reason: "entry \"\(name)\": ZIP64 field too short")
                    }
                    let wide = try reader.int64(field)
                    if slot == 0 { size = wide } else if slot == 1 { compressed = wide } else { offset = wide }
                    field += 8
                }
            }
            extra = body + fieldLength
        }
        cursor = next
        return Entry(name: name, method: method, compressedSize: compressed, size: size, localHeaderOffset: offset, crc32: crc)
    }

    /// The entry named `name`, or `nil`.
    public func entry(named name: String) -> Entry? { positions[name].map { entries[$0] } }

    /// Where `name`'s data lies in the archive: past its local header, checked
    /// to be stored (not compressed) and inside the file.
    public func dataRange(of name: String, in bytes: UnsafeRawBufferPointer) throws(PyTorchFileError) -> Range<Int> {
        guard let entry = entry(named: name) else {
            throw .badArchive(file: file, reason: "no entry \"\(name)\"")
        }
        return try dataRange(of: entry, in: bytes)
    }

    /// `dataRange(of:in:)` for an entry of this archive.
    public func dataRange(of entry: Entry, in bytes: UnsafeRawBufferPointer) throws(PyTorchFileError) -> Range<Int> {
        guard entry.method == 0 else {
            throw .badArchive(file: file, reason: "entry \"\(entry.name)\" is compressed (method \(entry.method)); "
                + "torch.save stores entries uncompressed, so this file was rewritten by another tool")
        }
        guard entry.size == entry.compressedSize else {
            throw .badArchive(file: file, reason: "entry \"\(entry.name)\" is stored but its sizes differ")
        }
        let reader = ByteReader(bytes: bytes, file: file)
        guard try reader.u32(entry.localHeaderOffset) == 0x0403_4b50 else {
            throw .badArchive(file: file, reason: "entry \"\(entry.name)\": no local header at byte \(entry.localHeaderOffset)")
        }
        let nameLength = Int(try reader.u16(entry.localHeaderOffset + 26))
        let extraLength = Int(try reader.u16(entry.localHeaderOffset + 28))
        let (start, o1) = entry.localHeaderOffset.addingReportingOverflow(30 + nameLength + extraLength)
        let (end, o2) = start.addingReportingOverflow(entry.size)
        guard !o1, !o2, entry.size >= 0, end <= length else {
            throw .badArchive(file: file, reason: "entry \"\(entry.name)\" (\(entry.size) bytes) runs past the end of the file")
        }
        return start..<end
    }
}

/// Little-endian reads from a byte buffer, each checked against its end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let file: String

    private func check(_ offset: Int, _ count: Int) throws(PyTorchFileError) {
        guard offset >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw .badArchive(file: file, reason: "a record at byte \(offset) runs past the end of the file")
        }
    }

    func u16(_ offset: Int) throws(PyTorchFileError) -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) throws(PyTorchFileError) -> UInt32 {
        try check(offset, 4)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    /// A 64-bit field that must fit a non-negative `Int`.
    func int64(_ offset: Int) throws(PyTorchFileError) -> Int {
        try check(offset, 8)
        let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        guard let result = Int(exactly: value) else {
            throw .badArchive(file: file, reason: "64-bit field at byte \(offset) is too large (\(value))")
        }
        return result
    }

    func string(_ offset: Int, count: Int) throws(PyTorchFileError) -> String {
        try check(offset, count)
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]), as: UTF8.self)
    }
}
