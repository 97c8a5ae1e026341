import Foundation

/// Why a rule set could not be read or applied; every case names the rule set,
/// the rule (by index and op) and the tensor.
public enum StateDictRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule file is not JSON of the rule set format.
    case invalidJSON(source: String, reason: String)
    /// A rule lacks a field its `op` needs (or has an unknown `op`).
    case missingField(ruleSet: String, rule: Int, op: String, field: String)
    /// A `match` is not a valid regular expression.
    case badPattern(ruleSet: String, rule: Int, pattern: String)
    /// A `match` could take exponential time on some names (see `RulePattern`).
    case slowPattern(ruleSet: String, rule: Int, pattern: String, reason: String)
    /// A `cast` names a dtype Arbor does not know.
    case unknownDType(ruleSet: String, rule: Int, dtype: String)
    /// A `transpose` matched a tensor that is not 2-D.
    case notTwoDimensional(ruleSet: String, rule: Int, tensor: String, shape: [Int])
    /// A `split`/`fuse` axis or size does not divide or agree.
    case badSplit(ruleSet: String, rule: Int, tensor: String, shape: [Int], axis: Int, parts: Int)
    /// A `fuse` (or inverse `split`) lacks one of its parts.
    case missingFusePart(ruleSet: String, rule: Int, tensor: String, part: String)
    /// A rule has no export-direction form.
    case notInvertible(ruleSet: String, rule: Int, op: String)
    /// A tensor could not be cast or rebuilt.
    case conversionFailed(ruleSet: String, rule: Int, tensor: String, reason: String)
    /// Two tensors ended up with the same name.
    case duplicateName(ruleSet: String, tensor: String)
    /// Rule `rule` gave two tensors (`first`, `second`: their names before it) one name.
    case nameCollision(ruleSet: String, rule: Int, tensor: String, first: String, second: String)

    /// One line saying what is wrong and where.
    public var description: String {
        switch self {
        case let .invalidJSON(source, reason):
            return "rules \(source): not a valid rule set JSON: \(reason)"
        case let .missingField(set, rule, op, field):
            return "rules \(set), rule \(rule) (\(op)): needs the field \"\(field)\""
        case let .badPattern(set, rule, pattern):
            return "rules \(set), rule \(rule): \"\(pattern)\" is not a valid regular expression"
        case let .slowPattern(set, rule, pattern, reason):
            return "rules \(set), rule \(rule): \"\(pattern)\" is refused: \(reason)"
        case let .unknownDType(set, rule, dtype):
            return "rules \(set), rule \(rule) (cast): unknown dtype \"\(dtype)\" (use F32, F16, BF16, F64 or a safetensors dtype name)"
        case let .notTwoDimensional(set, rule, tensor, shape):
            return "rules \(set), rule \(rule) (transpose): \(tensor) has shape \(shape), transpose needs 2-D"
        case let .badSplit(set, rule, tensor, shape, axis, parts):
            return "rules \(set), rule \(rule) (split): \(tensor) with shape \(shape) cannot be split into \(parts) equal parts along axis \(axis)"
        case let .missingFusePart(set, rule, tensor, part):
            return "rules \(set), rule \(rule) (fuse): \(tensor) needs part \(part), which is not in the state dict"
        case let .notInvertible(set, rule, op):
            return "rules \(set), rule \(rule) (\(op)): cannot be applied in the export direction; add an inverse"
        case let .conversionFailed(set, rule, tensor, reason):
            return "rules \(set), rule \(rule): \(tensor): \(reason)"
        case let .duplicateName(set, tensor):
            return "rules \(set): two tensors map to the name \(tensor)"
        case let .nameCollision(set, rule, tensor, first, second):
            return "rules \(set), rule \(rule): \(first) and \(second) would both be named \(tensor); "
                + "a rule may not merge two tensors into one name"
        }
    }
}
