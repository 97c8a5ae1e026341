import Foundation

/// Why a Hugging Face `config.json` cannot describe an Arbor `GPT2`; each case
/// names the file and the field, so the user knows what to change.
public enum GPT2ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a JSON object.
    case notJSONObject(source: String)
    /// A required field is absent or not a number.
    case missingField(source: String, field: String)
    /// A field has a value Arbor's `GPT2` does not implement.
    case unsupported(source: String, field: String, value: String, supported: String)
    /// The sizes ask for more weight memory than the machine has (`bytes`),
    /// or for more than an `Int` can count (`bytes` nil).
    case tooLarge(source: String, bytes: Int?, available: UInt64?)

    /// One line: file, field, value and what would work.
    public var description: String {
        switch self {
        case let .notJSONObject(source):
            return "\(source): not a JSON object"
        case let .missingField(source, field):
            return "\(source): needs the number \"\(field)\""
        case let .unsupported(source, field, value, supported):
            return "\(source): \"\(field)\": \(value) is not supported by Arbor's GPT2 (supported: \(supported))"
        case let .tooLarge(source, bytes, available):
            let need = bytes.map { "needs \(Self.binary(Double($0))) of weights" } ?? "has more parameters than can be counted"
            let have = available.map { "; this machine has \(Self.binary(Double($0))) of memory" } ?? ""
            return "\(source): this config \(need) (check n_embd, n_layer, n_positions, vocab_size)\(have)"
        }
    }

    /// `14.9 TiB`: binary units, three significant digits.
    static func binary(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = bytes, unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(Int(value)) B" : String(format: value >= 100 ? "%.0f %@" : value >= 10 ? "%.1f %@" : "%.2f %@",
                                                    value, units[unit])
    }
}
