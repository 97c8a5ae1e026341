import ArborTensor
import Foundation

/// Ordered mapping rules between two naming schemes of a state dict (say
/// Hugging Face GPT-2 and Arbor's `GPT2`), kept as data so a user can write
/// one as JSON for their own model instead of code.
///
/// Rules apply in order in the forward (import) direction and in reverse,
/// each inverted, in the export direction (`apply(_:direction: .inverse)`).
public struct StateDictRules: Codable, Sendable, Equatable {
    /// A name for messages (`gpt2`, `flax`, or a file name).
    public var name: String
    /// The rules, applied in order on import.
    public var rules: [StateDictRule]
    /// Names that alias another tensor on the source side (`lm_head.weight`
    /// = `transformer.wte.weight`): dropped on import, never written on export.
    public var tied: [TiedWeight]

    /// Makes a rule set.
    public init(name: String, rules: [StateDictRule], tied: [TiedWeight] = []) {
        self.name = name
        self.rules = rules
        self.tied = tied
    }

    private enum CodingKeys: String, CodingKey { case name, rules, tied }

    /// Reads the JSON form; `name` (then the file name) and `tied` may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        rules = try container.decode([StateDictRule].self, forKey: .rules)
        tied = try container.decodeIfPresent([TiedWeight].self, forKey: .tied) ?? []
    }

    /// Decodes a rule set from its JSON file format, checking every rule.
    public static func decode(json data: Data, source: String) throws(StateDictRuleError) -> StateDictRules {
        var rules: StateDictRules
        do {
            rules = try JSONDecoder().decode(StateDictRules.self, from: data)
            if rules.name.isEmpty { rules.name = source }
        } catch {
            throw .invalidJSON(source: source, reason: String(describing: error))
        }
        try rules.validate()
        return rules
    }

    /// Checks that every rule has the fields its `op` needs and valid patterns.
    public func validate() throws(StateDictRuleError) {
        for (index, rule) in rules.enumerated() {
            try rule.validate(ruleSet: name, index: index)
        }
    }

    /// The direction rules are applied in.
    public enum Direction: Sendable {
        /// Source naming (file) to target naming (model): rules in order.
        case forward
        /// Target naming back to source naming: rules reversed and inverted.
        case inverse
    }

    /// Maps named tensors through the rules. The output keeps the input order
    /// (a split puts its parts where the tensor was; a fuse puts the result
    /// where its first part was).
    public func apply(_ tensors: StateDict, direction: Direction = .forward) throws(StateDictRuleError) -> StateDict {
        let tiedNames = Set(tied.map(\.name))
        var current = tensors.filter { !tiedNames.contains($0.name) }
        switch direction {
        case .forward:
            for (index, rule) in rules.enumerated() {
                current = try rule.apply(to: current, inverse: false, ruleSet: name, index: index)
            }
        case .inverse:
            for (index, rule) in rules.enumerated().reversed() {
                current = try rule.apply(to: current, inverse: true, ruleSet: name, index: index)
            }
            current = current.filter { !tiedNames.contains($0.name) }
        }
        return current
    }

    /// Whether every rule can be undone (`drop` and `cast`, and `rename`
    /// without an inverse pattern, cannot).
    public var isInvertible: Bool { rules.allSatisfy(\.isInvertible) }
}

/// A declaration that one name is the same tensor as another.
public struct TiedWeight: Codable, Sendable, Equatable {
    /// The alias that is not stored (`lm_head.weight`).
    public var name: String
    /// The name that holds the tensor (`transformer.wte.weight`).
    public var source: String

    /// Makes a tie declaration.
    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}
