import Arbor
import ArborInterop
import ArborTensor
import Foundation
import Testing

/// The `gpt2` rules: Hugging Face GPT-2 names and `Conv1D` layouts to Arbor's `GPT2` and back.
@Suite struct GPT2RulesTests {
    static func tensor(_ shape: [Int], start: Float = 0) -> Tensor {
        Tensor((0..<shape.reduce(1, *)).map { Float($0) + start }, shape: shape)
    }

    @Test func gpt2RulesMapHuggingFaceNamesAndTranspose() throws {
        let input: StateDict = [
            ("transformer.wte.weight", Self.tensor([8, 4])),
            ("transformer.h.0.ln_1.weight", Self.tensor([4])),
            ("transformer.h.0.attn.c_attn.weight", Self.tensor([4, 12])),
            ("transformer.h.0.attn.bias", Self.tensor([1, 1, 4, 4])),
            ("transformer.h.10.mlp.c_proj.weight", Self.tensor([16, 4])),
            ("transformer.ln_f.bias", Self.tensor([4])),
            ("lm_head.weight", Self.tensor([8, 4])),
        ]
        let output = try StateDictRules.gpt2.apply(input)
        #expect(output.map(\.name) == ["wte.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight",
                                        "h.10.mlp.c_proj.weight", "ln_f.bias"])
        #expect(output[2].tensor.shape == [12, 4])
        #expect(output[2].tensor == input[2].tensor.transposed())
        #expect(output[3].tensor.shape == [4, 16])

        let back = try StateDictRules.gpt2.apply(output, direction: .inverse)
        #expect(back.map(\.name) == ["transformer.wte.weight", "transformer.h.0.ln_1.weight",
                                      "transformer.h.0.attn.c_attn.weight", "transformer.h.10.mlp.c_proj.weight",
                                      "transformer.ln_f.bias"])
        #expect(back[2].tensor == input[2].tensor)
    }

    @Test func invertibleAfterTheDropAndJSONRoundTrip() throws {
        #expect(StateDictRules.gpt2.rules.dropFirst().allSatisfy { $0.isInvertible })
        let data = try JSONEncoder().encode(StateDictRules.gpt2)
        #expect(try StateDictRules.decode(json: data, source: "gpt2") == .gpt2)
        #expect(try StateDictRules.named("gpt2") == .gpt2)
        #expect(StateDictRules.builtIn.keys.sorted() == ["flax", "gpt2"])
    }

    /// The built-in rule sets pass the slow-pattern check (see `RulePatternTests`).
    @Test func builtInRulePatternsAreAccepted() throws {
        for rules in StateDictRules.builtIn.values { try rules.validate() }
    }
}
