/// A parsed JSON value that keeps what the safetensors rules need and generic JSON
/// libraries lose: object members in file order with duplicates, and integers kept
/// apart from floats (`4` is a valid dimension, `4.0` is not).
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case string(String)
    /// A non-negative integer that fits in 64 unsigned bits.
    case unsigned(UInt64)
    /// A negative integer.
    case negative(Int64)
    /// Any other number: with a fraction or exponent, `-0`, or too large for 64 bits.
    case float(Double)
    case array([JSONValue])
    /// Members in file order; a key may repeat.
    case object([(key: String, value: JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.unsigned(a), .unsigned(b)): a == b
        case let (.negative(a), .negative(b)): a == b
        case let (.float(a), .float(b)): a.bitPattern == b.bitPattern
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// What kind of value this is, for error messages (`"a string"`, `"null"`).
    var kind: String {
        switch self {
        case .null: "null"
        case let .bool(value): "the boolean \(value)"
        case let .string(text): "the string \(quoted(String(text.prefix(40))))"
        case let .unsigned(value): "the integer \(value)"
        case let .negative(value): "the negative integer \(value)"
        case let .float(value): "the non-integer number \(value)"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
