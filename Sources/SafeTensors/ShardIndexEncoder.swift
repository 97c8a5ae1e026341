/// Writes `model.safetensors.index.json` the way `transformers` does
/// (`json.dumps(index, indent=2, sort_keys=True) + "\n"`), so Arbor's sharded
/// output matches Python's byte for byte: two-space indent, keys sorted by code
/// point, and Python's default ASCII-only escaping.
enum ShardIndexEncoder {
    static func encode(totalSize: Int, weightMap: [(name: String, file: String)]) -> [UInt8] {
        var text = "{\n  \"metadata\": {\n    \"total_size\": \(totalSize)\n  },\n  \"weight_map\": {"
        let sorted = weightMap.sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
        for (index, item) in sorted.enumerated() {
            text += (index == 0 ? "\n" : ",\n") + "    " + pythonJSONString(item.name) + ": " + pythonJSONString(item.file)
        }
        text += sorted.isEmpty ? "}\n}\n" : "\n  }\n}\n"
        return Array(text.utf8)
    }

    /// A JSON string with Python's `ensure_ascii=True` escaping.
    static func pythonJSONString(_ text: String) -> String {
        var out = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
