import ArborTensor
import Foundation

/// One mapping rule. JSON: an object with `op` and the fields that op uses,
/// e.g. `{"op": "transpose", "match": "\\.kernel$"}`. Patterns are regular
/// expressions searched in the tensor name; templates use `$1` for groups.
/// Patterns that could backtrack exponentially — a repeated group that holds
/// a quantifier or `|` (`(a+)+`, `(a?){30}`), backreferences, repeats above
/// 1,000 — are refused (`StateDictRuleError.slowPattern`, see `RulePattern`),
/// so matching stays fast on any name a file holds. A rule that would give two
/// tensors one name is an error naming both (`nameCollision`).
///
/// | op | fields | forward | inverse |
/// |---|---|---|---|
/// | `stripPrefix` | `prefix` | removes it where present | adds it to every name |
/// | `addPrefix` | `prefix` | adds it to every name | removes it |
/// | `rename` | `match`, `to`, optional `inverseMatch`, `inverseTo` | regex replace | the inverse pair |
/// | `transpose` | `match` (on names at this point) | 2-D transpose | 2-D transpose |
/// | `split` | `match` (a literal name suffix), `into` (suffixes), `axis` | one tensor into equal parts | fuses the parts |
/// | `fuse` | `parts` (literal suffixes), `to` (suffix), `axis` | concatenates the parts | splits |
/// | `drop` | `match` | removes matches | nothing |
/// | `cast` | `match`, `dtype` (any `DType(parsing:)` name: `BF16`, `bf16`, `bfloat16`…) | converts floats | nothing |
public struct StateDictRule: Codable, Sendable, Equatable {
    /// What the rule does: `stripPrefix`, `addPrefix`, `rename`, `transpose`,
    /// `split`, `fuse`, `drop` or `cast`.
    public var op: String
    /// The prefix for `stripPrefix` / `addPrefix`.
    public var prefix: String?
    /// The regular expression a tensor name must contain.
    public var match: String?
    /// The replacement template (`rename`) or fused name (`fuse`).
    public var to: String?
    /// `rename` in the export direction: the pattern…
    public var inverseMatch: String?
    /// …and its template.
    public var inverseTo: String?
    /// `split`: the part suffixes that replace the `match` suffix.
    public var into: [String]?
    /// `fuse`: the part suffixes fused into the `to` suffix.
    public var parts: [String]?
    /// `split` / `fuse`: the axis.
    public var axis: Int?
    /// `cast`: a dtype name `DType(parsing:)` reads (`BF16`, `bf16`, `bfloat16`, `torch.bfloat16`).
    public var dtype: String?
    /// `rename`, `transpose`, `drop`, `cast`: apply only to tensors of this rank
    /// (tells a Linear `weight` from a norm `weight` when names alone cannot).
    public var rank: Int?

    /// Makes a rule; prefer the static helpers.
    public init(op: String, prefix: String? = nil, match: String? = nil, to: String? = nil,
                inverseMatch: String? = nil, inverseTo: String? = nil, into: [String]? = nil,
                parts: [String]? = nil, axis: Int? = nil, dtype: String? = nil, rank: Int? = nil) {
        self.op = op; self.prefix = prefix; self.match = match; self.to = to
        self.inverseMatch = inverseMatch; self.inverseTo = inverseTo; self.into = into
        self.parts = parts; self.axis = axis; self.dtype = dtype; self.rank = rank
    }

    /// Removes `prefix` from names that start with it.
    public static func stripPrefix(_ prefix: String) -> StateDictRule { .init(op: "stripPrefix", prefix: prefix) }
    /// Adds `prefix` to every name.
    public static func addPrefix(_ prefix: String) -> StateDictRule { .init(op: "addPrefix", prefix: prefix) }
    /// Regex rename, with an optional inverse for export.
    public static func rename(_ match: String, to: String, inverseMatch: String? = nil, inverseTo: String? = nil,
                              rank: Int? = nil) -> StateDictRule {
        .init(op: "rename", match: match, to: to, inverseMatch: inverseMatch, inverseTo: inverseTo, rank: rank)
    }
    /// Transposes 2-D tensors whose names match.
    public static func transpose(_ match: String, rank: Int? = nil) -> StateDictRule {
        .init(op: "transpose", match: match, rank: rank)
    }
    /// Splits tensors named `…suffix` into equal parts `…into[i]` along `axis`.
    public static func split(suffix: String, into: [String], axis: Int) -> StateDictRule {
        .init(op: "split", match: suffix, into: into, axis: axis)
    }
    /// Concatenates `…parts[i]` along `axis` into one tensor `…to`.
    public static func fuse(parts: [String], to: String, axis: Int) -> StateDictRule {
        .init(op: "fuse", to: to, parts: parts, axis: axis)
    }
    /// Drops tensors whose names match.
    public static func drop(_ match: String) -> StateDictRule { .init(op: "drop", match: match) }
    /// Casts floating-point tensors whose names match.
    public static func cast(_ match: String, to dtype: DType) -> StateDictRule {
        .init(op: "cast", match: match, dtype: dtype.safetensorsName)
    }

    /// Whether the rule has an export-direction counterpart.
    public var isInvertible: Bool {
        switch op {
        case "drop", "cast": return false
        case "rename": return inverseMatch != nil && inverseTo != nil
        default: return true
        }
    }

    func validate(ruleSet: String, index: Int) throws(StateDictRuleError) {
        func need(_ value: Any?, _ field: String) throws(StateDictRuleError) {
            if value == nil { throw .missingField(ruleSet: ruleSet, rule: index, op: op, field: field) }
        }
        switch op {
        case "stripPrefix", "addPrefix": try need(prefix, "prefix")
        case "rename": try need(match, "match"); try need(to, "to")
        case "transpose", "drop": try need(match, "match")
        case "split": try need(match, "match"); try need(into, "into"); try need(axis, "axis")
        case "fuse": try need(parts, "parts"); try need(to, "to"); try need(axis, "axis")
        case "cast":
            try need(match, "match"); try need(dtype, "dtype")
            if DType(parsing: dtype ?? "") == nil {
                throw .unknownDType(ruleSet: ruleSet, rule: index, dtype: dtype ?? "")
            }
        default:
            throw .missingField(ruleSet: ruleSet, rule: index, op: op,
                                field: "op (one of stripPrefix, addPrefix, rename, transpose, split, fuse, drop, cast)")
        }
        // The shape check first: it also refuses patterns too long to compile safely.
        let patterns = (op == "split" ? [inverseMatch] : [match, inverseMatch]).compactMap { $0 }
        for pattern in patterns {
            if let reason = RulePattern.backtrackingRisk(in: pattern) {
                throw .slowPattern(ruleSet: ruleSet, rule: index, pattern: pattern, reason: reason)
            }
        }
        for pattern in patterns where (try? NSRegularExpression(pattern: pattern)) == nil {
            throw .badPattern(ruleSet: ruleSet, rule: index, pattern: pattern)
        }
    }

    func apply(to tensors: StateDict, inverse: Bool, ruleSet: String, index: Int) throws(StateDictRuleError) -> StateDict {
        let engine = RuleEngine(ruleSet: ruleSet, index: index, rank: rank)
        switch (op, inverse) {
        case ("stripPrefix", false), ("addPrefix", true):
            let prefix = self.prefix ?? ""
            return try engine.stateDict(tensors.map {
                ($0.name, ($0.name.hasPrefix(prefix) ? String($0.name.dropFirst(prefix.count)) : $0.name, $0.tensor))
            })
        case ("addPrefix", false), ("stripPrefix", true):
            return try engine.stateDict(tensors.map { ($0.name, ((prefix ?? "") + $0.name, $0.tensor)) })
        case ("rename", false):
            return try engine.rename(tensors, match: match ?? "", to: to ?? "")
        case ("rename", true):
            guard let inverseMatch, let inverseTo else { throw .notInvertible(ruleSet: ruleSet, rule: index, op: op) }
            return try engine.rename(tensors, match: inverseMatch, to: inverseTo)
        case ("transpose", _):
            return try engine.transpose(tensors, match: match ?? "")
        case ("split", false), ("fuse", true):
            let whole = op == "split" ? match ?? "" : to ?? ""
            return try engine.split(tensors, suffix: whole, into: (op == "split" ? into : parts) ?? [], axis: axis ?? 0)
        case ("split", true), ("fuse", false):
            let whole = op == "split" ? match ?? "" : to ?? ""
            return try engine.fuse(tensors, parts: (op == "split" ? into : parts) ?? [], to: whole, axis: axis ?? 0)
        case ("drop", false):
            let regex = try engine.regex(match ?? "")
            return tensors.filter { !(engine.applies(to: $0.tensor) && RuleEngine.matches(regex, $0.name)) }
        case ("cast", false):
            return try engine.cast(tensors, match: match ?? "", dtype: dtype ?? "")
        case ("drop", true), ("cast", true):
            return tensors
        default:
            throw .missingField(ruleSet: ruleSet, rule: index, op: op, field: "op")
        }
    }
}
