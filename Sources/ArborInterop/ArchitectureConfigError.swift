/// Why a Hugging Face `config.json` cannot describe an Arbor `Llama` or
/// `BERT`; each case names the file, the architecture and the field, so the
/// user knows what to change. (`GPT2ConfigError` is GPT-2's.)
public enum ArchitectureConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a JSON object.
    case notJSONObject(source: String)
    /// A required field is absent or not a positive whole number.
    case missingField(source: String, field: String)
    /// A field has a value Arbor's layer does not implement.
    case unsupported(source: String, architecture: String, field: String, value: String, supported: String)
    /// Sizes whose product (a weight's element count, in bits of f32) does not fit in an `Int`.
    case tooLarge(source: String, fields: String)

    /// One line: file, field, value and what would work.
    public var description: String {
        switch self {
        case let .notJSONObject(source):
            return "\(source): not a JSON object"
        case let .missingField(source, field):
            return "\(source): needs the positive whole number \"\(field)\""
        case let .unsupported(source, architecture, field, value, supported):
            return "\(source): \"\(field)\": \(value) is not supported by Arbor's \(architecture) (supported: \(supported))"
        case let .tooLarge(source, fields):
            return "\(source): \(fields) multiply to more elements than this machine can address"
        }
    }
}
