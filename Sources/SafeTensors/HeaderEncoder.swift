import ArborTensor

/// Builds header bytes exactly as the reference writer (Rust `safetensors` with
/// serde_json) does, because a byte-identical file is what lets a checksum or a
/// diff tool treat Arbor's output and Python's as the same.
///
/// Three details matter: tensors are ordered by the reference `Dtype` enum's order
/// descending (largest alignment first), then by name in byte order; JSON is
/// compact with serde_json's escaping (`"` `\` and control characters only, so
/// `/` and non-ASCII stay as they are, unlike `JSONEncoder`); and the header is
/// padded with spaces to a multiple of 8 bytes.
enum HeaderEncoder {
    /// Position of each dtype in the reference `Dtype` enum, whose derived
    /// ordering the writer sorts by.
    static func referenceRank(of dtype: DType) -> Int {
        switch dtype {
        case .bool: 0
        case .float4E2M1: 1
        case .float6E2M3: 2
        case .float6E3M2: 3
        case .uint8: 4
        case .int8: 5
        case .float8E5M2: 6
        case .float8E4M3: 7
        case .float8E8M0: 8
        case .float8E4M3FNUZ: 9
        case .float8E5M2FNUZ: 10
        case .int16: 11
        case .uint16: 12
        case .float16: 13
        case .bfloat16: 14
        case .int32: 15
        case .uint32: 16
        case .float32: 17
        case .complex64: 18
        case .float64: 19
        case .int64: 20
        case .uint64: 21
        }
    }

    /// Whether `a` is written before `b`: higher dtype rank first, then name by
    /// UTF-8 bytes (Rust's `String` order).
    static func writesBefore(_ a: (name: String, dtype: DType), _ b: (name: String, dtype: DType)) -> Bool {
        let rankA = referenceRank(of: a.dtype), rankB = referenceRank(of: b.dtype)
        if rankA != rankB { return rankA > rankB }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }

    /// The padded header for tensors already in writing order with their offsets.
    /// Metadata keys are written in sorted order (the reference uses hash order,
    /// so only a map of at most one key is reproducible).
    static func encode(_ infos: [TensorInfo], metadata: [String: String]?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + infos.count * 80)
        out.append(UInt8(ascii: "{"))
        var first = true
        if let metadata {
            appendString("__metadata__", to: &out)
            out.append(contentsOf: Array(":{".utf8))
            var firstKey = true
            for key in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                if !firstKey { out.append(UInt8(ascii: ",")) }
                firstKey = false
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendString(metadata[key] ?? "", to: &out)
            }
            out.append(UInt8(ascii: "}"))
            first = false
        }
        for info in infos {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            appendString(info.name, to: &out)
            out.append(contentsOf: Array(":{\"dtype\":\"".utf8))
            out.append(contentsOf: Array(info.dtype.safetensorsName.utf8))
            out.append(contentsOf: Array("\",\"shape\":[".utf8))
            appendIntegers(info.shape, to: &out)
            out.append(contentsOf: Array("],\"data_offsets\":[".utf8))
            appendIntegers([info.dataOffsets.lowerBound, info.dataOffsets.upperBound], to: &out)
            out.append(contentsOf: Array("]}".utf8))
        }
        out.append(UInt8(ascii: "}"))
        let padding = (8 - out.count % 8) % 8
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return out
    }

    /// Appends `text` as a JSON string with serde_json's escapes.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path: most names need no escaping and are copied in one go.
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            out.append(contentsOf: bytes)
            return true
        } ?? false
        if copied {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendIntegers(_ values: [Int], to out: inout [UInt8]) {
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: Array(String(value).utf8))
        }
    }
}
