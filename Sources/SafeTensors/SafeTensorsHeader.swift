import ArborTensor

/// A parsed and validated safetensors header: the tensors, the metadata and where
/// the data section starts.
///
/// Validation applies the reference implementation's rules in its order: header
/// length present (8 bytes), at most 100,000,000, inside the file; UTF-8; a JSON
/// object of well-formed entries with known dtypes and a string-to-string
/// `__metadata__`; then, in offset order, each tensor begins where the previous one
/// ended, its element count and bit size do not overflow, fill whole bytes and
/// equal the offset span; finally the tensors cover the data section exactly.
public struct SafeTensorsHeader: Sendable {
    /// Largest header the reference implementation accepts.
    public static let maximumLength = 100_000_000

    /// The tensors in data-offset order (the order of their bytes in the file).
    public let tensors: [TensorInfo]
    /// The `__metadata__` map; `nil` when the header has none (or it is `null`).
    public let metadata: [String: String]?
    /// Length of the JSON header in bytes (the 8-byte prefix's value).
    public let headerLength: Int
    private let indexByName: [ExactName: Int]

    /// Offset in the file of the first data byte: the 8-byte prefix plus the header.
    public var dataStart: Int { 8 + headerLength }
    /// Number of bytes in the data section.
    public var dataSize: Int { tensors.last?.dataOffsets.upperBound ?? 0 }

    /// Tensor names in data-offset order.
    public var names: [String] { tensors.map(\.name) }

    /// The info for `name`, or `nil` when the file has no such tensor.
    public func info(named name: String) -> TensorInfo? {
        indexByName[ExactName(name)].map { tensors[$0] }
    }

    /// Parses the header at the start of `fileBytes`, which must be the whole file
    /// (its size is checked against the offsets). Only the first `8 + headerLength`
    /// bytes are read, so a mapped file's data pages are never touched. `file`
    /// names the source in error messages.
    public init(fileBytes: UnsafeRawBufferPointer, file: String) throws(SafeTensorsError) {
        try self.init(leadingBytes: fileBytes, fileSize: fileBytes.count, file: file)
    }

    /// The header length the 8-byte prefix of `leadingBytes` gives, checked
    /// against the reference's limit and the file size.
    static func headerLength(leadingBytes: UnsafeRawBufferPointer, fileSize: Int,
                             file: String) throws(SafeTensorsError) -> Int {
        guard fileSize >= 8, leadingBytes.count >= 8 else { throw .headerTooSmall(file: file, fileSize: fileSize) }
        var rawLength: UInt64 = 0
        for index in (0..<8).reversed() { rawLength = rawLength << 8 | UInt64(leadingBytes[index]) }
        guard rawLength <= UInt64(SafeTensorsHeader.maximumLength) else {
            throw .headerTooLarge(file: file, headerLength: rawLength)
        }
        let length = Int(rawLength)
        guard 8 + length <= fileSize else {
            throw .headerPastEnd(file: file, headerLength: rawLength, fileSize: fileSize)
        }
        return length
    }

    /// Parses a header from the first bytes of a file of `fileSize` bytes:
    /// `leadingBytes` must hold at least the prefix and the header (`8 +
    /// headerLength`), or the whole file when it is shorter than that.
    init(leadingBytes: UnsafeRawBufferPointer, fileSize: Int, file: String) throws(SafeTensorsError) {
        let length = try SafeTensorsHeader.headerLength(leadingBytes: leadingBytes, fileSize: fileSize, file: file)
        guard 8 + length <= leadingBytes.count else {
            // A caller's mistake, not the file's: report it as a short read.
            throw .headerPastEnd(file: file, headerLength: UInt64(length), fileSize: leadingBytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: leadingBytes[8..<(8 + length)])
        if let offset = UTF8Validation.firstInvalidOffset(in: headerBytes) {
            throw .headerNotUTF8(file: file, byteOffset: offset)
        }
        let parsed = try HeaderParser(file: file).parse(headerBytes)
        // Writers put tensors in offset order, so usually there is nothing to sort
        // and the parser's name table already indexes the ordered entries. It is
        // reused unless oversized: it was reserved from the header's length (which
        // large metadata inflates) and it lives as long as the header.
        let inOrder = SafeTensorsHeader.isOffsetOrdered(parsed.entries)
        let reuseTable = inOrder && parsed.positions.capacity <= 2 * parsed.positions.count + 64
        let ordered = inOrder ? parsed.entries : SafeTensorsHeader.offsetOrder(parsed.entries)
        let dataEnd = try SafeTensorsHeader.validateOffsets(ordered, file: file)
        let available = UInt64(fileSize - 8 - length)
        if dataEnd < available { throw .trailingBytes(file: file, dataEnd: dataEnd, dataSize: available) }
        if dataEnd > available { throw .dataPastEnd(file: file, dataEnd: dataEnd, dataSize: available) }

        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(ordered.count)
        var indexByName: [ExactName: Int] = [:]
        if reuseTable { indexByName = parsed.positions } else { indexByName.reserveCapacity(ordered.count) }
        for entry in ordered {
            guard entry.shape.allSatisfy({ $0 <= UInt64(Int.max) }) else {
                throw .shapeNotRepresentable(file: file, tensor: entry.name, shape: entry.shape)
            }
            let shape = entry.shape.map { Int($0) }
            guard Tensor.checkedElementCount(of: shape) != nil else {
                throw .shapeNotRepresentable(file: file, tensor: entry.name, shape: entry.shape)
            }
            // Offsets are within the file (checked above), so they fit in Int.
            if !reuseTable { indexByName[ExactName(entry.name)] = tensors.count }
            tensors.append(TensorInfo(name: entry.name, dtype: entry.dtype, shape: shape,
                                      dataOffsets: Int(entry.begin)..<Int(entry.end)))
        }
        self.tensors = tensors
        self.metadata = parsed.metadata
        self.headerLength = length
        self.indexByName = indexByName
    }

    /// Whether `entries` are already sorted by offsets (then sorting keeps them as they are).
    private static func isOffsetOrdered(_ entries: [HeaderParser.Entry]) -> Bool {
        var index = 1
        while index < entries.count {
            if (entries[index].begin, entries[index].end) < (entries[index - 1].begin, entries[index - 1].end) {
                return false
            }
            index += 1
        }
        return true
    }

    /// Entries sorted by offsets; ties keep header order so errors are stable.
    private static func offsetOrder(_ entries: [HeaderParser.Entry]) -> [HeaderParser.Entry] {
        entries.enumerated().sorted { a, b in
            (a.element.begin, a.element.end, a.offset) < (b.element.begin, b.element.end, b.offset)
        }.map(\.element)
    }

    /// The reference's per-tensor checks on entries in offset order; returns the
    /// end of the data they cover.
    private static func validateOffsets(_ ordered: [HeaderParser.Entry], file: String) throws(SafeTensorsError) -> UInt64 {
        var start: UInt64 = 0
        for entry in ordered {
            guard entry.begin == start, entry.end >= entry.begin else {
                throw .invalidOffsets(file: file, tensor: entry.name, begin: entry.begin, end: entry.end, expectedBegin: start)
            }
            start = entry.end
            var elements: UInt64 = 1
            for dimension in entry.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                if overflow { throw .sizeOverflow(file: file, tensor: entry.name, shape: entry.shape, dtype: entry.dtype) }
                elements = product
            }
            let (bits, overflow) = elements.multipliedReportingOverflow(by: UInt64(entry.dtype.bitWidth))
            if overflow { throw .sizeOverflow(file: file, tensor: entry.name, shape: entry.shape, dtype: entry.dtype) }
            guard bits % 8 == 0 else {
                throw .subByteRemainder(file: file, tensor: entry.name, shape: entry.shape, dtype: entry.dtype)
            }
            guard bits / 8 == entry.end - entry.begin else {
                throw .sizeMismatch(file: file, tensor: entry.name, expected: bits / 8, actual: entry.end - entry.begin)
            }
        }
        return start
    }
}
