import Arbor
import ArborTensor
import Foundation
import Testing

/// Rule patterns that can backtrack exponentially (`(a?){30}a{30}` took ~20 s
/// per tensor name) are refused with a message naming the rule; the patterns
/// real rule sets use are accepted.
@Suite struct RulePatternTests {
    @Test(arguments: [#"(a?){30}a{30}"#, #"(a+)+b"#, #"(a*)*"#, #"((ab)*c)+"#, #"(a|aa)*b"#, #"(x|y){2,5}"#,
                      #"(.)\1"#, #"(?<n>a)\k<n>"#, #"a{1001}"#, #"(?:a+){2}"#, #"(a+){1,}"#, #"((a+)?)+"#])
    func exponentialPatternsAreRefused(pattern: String) throws {
        let rules = StateDictRules(name: "slow.json", rules: [.drop("^keep$"), .drop(pattern)])
        let error = #expect(throws: StateDictRuleError.self) { try rules.validate() }
        guard case let .slowPattern(ruleSet, rule, refused, reason)? = error else {
            Issue.record("\(pattern): \(String(describing: error))")
            return
        }
        #expect(ruleSet == "slow.json" && rule == 1 && refused == pattern && !reason.isEmpty)
        #expect(error?.description.hasPrefix("rules slow.json, rule 1: \"\(pattern)\" is refused: ") == true)
        // Applying checks too (rules built in code need not be validated first).
        #expect(throws: StateDictRuleError.self) { try rules.apply([("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Tensor([Float(1)]))]) }
    }

    @Test(arguments: [#"^h\.(\d+)\.attn\.(.*)$"#, #"\.(q|k|v)_proj\.weight$"#, #"[a-z_]+\.(weight|bias)"#, #"a{2,30}b?"#,
                      #"(abc)+"#, #"(?:\.\d+)?$"#, #"[(+*]+x"#, #"\(a+\)+"#, #"(a+)?(b*){0,1}"#, #"^model\.layers\.(\d+)\."#])
    func linearPatternsAreAccepted(pattern: String) throws {
        try StateDictRules(name: "ok", rules: [.drop(pattern)]).validate()
    }

    /// Found by the `rules` fuzz target: Foundation leaks every compiled pattern
    /// over 256 UTF-16 units, so longer ones are refused before compiling.
    @Test func overlongPatternsAreRefusedBeforeCompiling() throws {
        let long = String(repeating: "a", count: 300) + "+"
        let error = #expect(throws: StateDictRuleError.self) {
            try StateDictRules(name: "long.json", rules: [.drop(long)]).validate()
        }
        guard case let .slowPattern(_, _, _, reason)? = error else {
            Issue.record("expected slowPattern, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("limited to 256"))
        try StateDictRules(name: "ok", rules: [.drop(String(repeating: "a", count: 256))]).validate()
    }

    @Test func flaxRulesAreAccepted() throws {
        try StateDictRules.flax.validate()
    }
}
