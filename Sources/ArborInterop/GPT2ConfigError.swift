/// Why a Hugging Face `config.json` cannot describe an Arbor `GPT2`; each case
/// names the file and the field, so the user knows what to change.
public enum GPT2ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a JSON object.
    case notJSONObject(source: String)
    /// A required field is absent or not a number.
    case missingField(source: String, field: String)
    /// A field has a value Arbor's `GPT2` does not implement.
    case unsupported(source: String, field: String, value: String, supported: String)

    /// One line: file, field, value and what would work.
    public var description: String {
        switch self {
        case let .notJSONObject(source):
            return "\(source): not a JSON object"
        case let .missingField(source, field):
            return "\(source): needs the number \"\(field)\""
        case let .unsupported(source, field, value, supported):
            return "\(source): \"\(field)\": \(value) is not supported by Arbor's GPT2 (supported: \(supported))"
        }
    }
}
