import Arbor
import ArborTensor
import Foundation
import Testing

/// Mapping rules: each op forward and back, JSON decoding, errors.
@Suite struct StateDictRulesTests {
    static func tensor(_ shape: [Int], start: Float = 0) -> Tensor {
        Tensor((0..<shape.reduce(1, *)).map { Float($0) + start }, shape: shape)
    }

    @Test func splitAndFuseAreInverses() throws {
        let rules = StateDictRules(name: "qkv", rules: [
            .split(suffix: ".c_attn.weight", into: [".q.weight", ".k.weight", ".v.weight"], axis: 1),
        ])
        let fused = Self.tensor([2, 6])  // rows [0..5], [6..11]
        let parts = try rules.apply([("a.c_attn.weight", fused), ("b", Self.tensor([1]))])
        #expect(parts.map(\.name) == ["a.q.weight", "a.k.weight", "a.v.weight", "b"])
        #expect(parts[1].tensor == Tensor([Float(2), 3, 8, 9], shape: [2, 2]))
        let back = try rules.apply(parts, direction: .inverse)
        #expect(back.map(\.name) == ["a.c_attn.weight", "b"])
        #expect(back[0].tensor == fused)

        let fuse = StateDictRules(name: "f", rules: [.fuse(parts: [".q", ".k"], to: ".qk", axis: 0)])
        let joined = try fuse.apply([("x.q", Self.tensor([1, 2])), ("x.k", Self.tensor([1, 2], start: 10))])
        #expect(joined.map(\.name) == ["x.qk"])
        #expect(joined[0].tensor == Tensor([Float(0), 1, 10, 11], shape: [2, 2]))
    }

    @Test func castDropAndPrefixes() throws {
        let rules = StateDictRules(name: "misc", rules: [
            .drop(#"\.masked_bias$"#), .cast(#"."#, to: .bfloat16), .addPrefix("model."),
        ])
        let out = try rules.apply([("a.weight", Self.tensor([3])), ("a.masked_bias", Self.tensor([1])),
                                   ("steps", Tensor([Int32(1)], shape: [1]))])
        #expect(out.map(\.name) == ["model.a.weight", "model.steps"])
        #expect(out[0].tensor.dtype == .bfloat16)
        #expect(out[1].tensor.dtype == .int32)
        #expect(rules.isInvertible == false)
    }

    @Test func decodesJSONFormat() throws {
        let json = """
        {"name": "mine", "tied": [{"name": "head.weight", "source": "embed.weight"}],
         "rules": [{"op": "stripPrefix", "prefix": "model."},
                   {"op": "rename", "match": "^layers\\\\.(\\\\d+)\\\\.", "to": "blocks.$1."},
                   {"op": "transpose", "match": "\\\\.kernel$", "rank": 2},
                   {"op": "cast", "match": ".", "dtype": "F16"}]}
        """
        let rules = try StateDictRules.decode(json: Data(json.utf8), source: "mine.json")
        #expect(rules.rules.count == 4)
        let out = try rules.apply([("model.layers.3.kernel", Self.tensor([2, 3])), ("head.weight", Self.tensor([1]))])
        #expect(out.map(\.name) == ["blocks.3.kernel"])
        #expect(out[0].tensor.shape == [3, 2])
        #expect(out[0].tensor.dtype == .float16)
    }

    @Test func errorsNameRuleAndTensor() throws {
        #expect(throws: StateDictRuleError.missingField(ruleSet: "bad.json", rule: 0, op: "rename", field: "to")) {
            try StateDictRules.decode(json: Data(#"{"name":"bad.json","tied":[],"rules":[{"op":"rename","match":"x"}]}"#.utf8),
                                      source: "bad.json")
        }
        let error = StateDictRuleError.notTwoDimensional(ruleSet: "t", rule: 0, tensor: "a.kernel", shape: [3])
        #expect(error.description == "rules t, rule 0 (transpose): a.kernel has shape [3], transpose needs 2-D")
        let rules = StateDictRules(name: "t", rules: [.transpose(#"kernel"#)])
        #expect(throws: error) { try rules.apply([("a.kernel", Self.tensor([3]))]) }
        let badRegex = StateDictRules(name: "r", rules: [.drop("(")])
        #expect(throws: StateDictRuleError.badPattern(ruleSet: "r", rule: 0, pattern: "(")) { try badRegex.validate() }
        let split = StateDictRules(name: "s", rules: [.split(suffix: ".w", into: ["a", "b"], axis: 0)])
        #expect(throws: StateDictRuleError.badSplit(ruleSet: "s", rule: 0, tensor: "x.w", shape: [3], axis: 0, parts: 2)) {
            try split.apply([("x.w", Self.tensor([3]))])
        }
    }

    @Test func renameWithoutInverseRefusesExport() throws {
        let rules = StateDictRules(name: "one-way", rules: [.stripPrefix("m."), .rename("a", to: "b")])
        #expect(try rules.apply([("m.a", Self.tensor([1]))]).map(\.name) == ["b"])
        let error = StateDictRuleError.notInvertible(ruleSet: "one-way", rule: 1, op: "rename")
        #expect(error.description == "rules one-way, rule 1 (rename): cannot be applied in the export direction; add an inverse")
        #expect(throws: error) { try rules.apply([("b", Self.tensor([1]))], direction: .inverse) }
    }

    @Test func jsonRoundTripOfFlax() throws {
        let data = try JSONEncoder().encode(StateDictRules.flax)
        #expect(try StateDictRules.decode(json: data, source: "flax") == .flax)
    }
}
