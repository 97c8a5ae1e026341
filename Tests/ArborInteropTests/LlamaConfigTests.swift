import Arbor
import ArborInterop
import ArborTestSupport
import Foundation
import Testing

/// `LlamaConfig(huggingFaceConfig:)`: what it reads, and every field it
/// refuses by name rather than compute something transformers would not.
@Suite struct LlamaConfigTests {
    static var base: [String: Any] { [
        "model_type": "llama", "vocab_size": 256, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-6,
        "hidden_act": "silu", "rope_theta": 500_000.0, "rope_scaling": NSNull(), "tie_word_embeddings": false,
    ] }

    /// The base config with `changes` (a JSON object's text) merged in.
    static func parse(json changes: String) throws(ArchitectureConfigError) -> LlamaConfig {
        let object = (try? JSONSerialization.jsonObject(with: Data(changes.utf8))) as? [String: Any]
        return try parse(object ?? [:])
    }

    static func parse(_ changes: [String: Any]) throws(ArchitectureConfigError) -> LlamaConfig {
        let object = base.merging(changes) { _, new in new }
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return try LlamaConfig(huggingFaceConfig: data, source: "config.json")
    }

    @Test func readsTheFixtureConfigs() throws {
        let llama = try HuggingFaceModelDirectory(opening: Fixtures.url("llama/single")).llamaConfig()
        #expect(llama == LlamaConfig(vocabularySize: 256, width: 32, intermediateSize: 64, layers: 2, heads: 4,
                                     keyValueHeads: 2, headDimension: 8, positions: 64, ropeTheta: 1000, epsilon: 1e-6))
        let qwen = try HuggingFaceModelDirectory(opening: Fixtures.url("qwen2/single")).llamaConfig()
        #expect(qwen.queryKeyValueBias && qwen.tiedHead && qwen.ropeTheta == 1_000_000 && qwen.keyValueHeads == 4)
    }

    @Test func readsOlderFieldsAndMistral() throws {
        let config = try Self.parse(["head_dim": 16])
        #expect(config.ropeTheta == 500_000 && config.headDimension == 16 && config.keyValueHeads == 2)
        #expect(try Self.parse(["model_type": "mistral", "sliding_window": NSNull()]).queryKeyValueBias == false)
        #expect(try Self.parse(["num_key_value_heads": NSNull()]).keyValueHeads == 4)
        #expect(try Self.parse(["rope_parameters": ["rope_type": "default", "rope_theta": 42.0]]).ropeTheta == 42)
    }

    /// Each refusal names the field; the description names the file and what works.
    @Test(arguments: [
        (#"{"model_type": "gemma"}"#, "model_type"),
        (#"{"hidden_act": "gelu"}"#, "hidden_act"),
        (#"{"rope_scaling": {"rope_type": "linear", "factor": 2.0}}"#, "rope_scaling"),
        (#"{"rope_scaling": {"rope_type": "llama3", "factor": 8.0}}"#, "rope_scaling"),
        (#"{"rope_parameters": {"rope_type": "yarn", "rope_theta": 10000.0}}"#, "rope_type"),
        (#"{"model_type": "qwen2", "use_sliding_window": true}"#, "use_sliding_window"),
        (#"{"model_type": "mistral", "sliding_window": 4096}"#, "sliding_window"),
        (#"{"layer_types": ["full_attention", "sliding_attention"]}"#, "layer_types"),
        (#"{"attention_bias": true}"#, "attention_bias"),
        (#"{"mlp_bias": true}"#, "mlp_bias"),
        (#"{"num_key_value_heads": 3}"#, "num_key_value_heads"),
        (#"{"hidden_size": 30}"#, "hidden_size"),
    ])
    func refusesByName(changes: String, field: String) throws {
        do {
            _ = try Self.parse(json: changes)
            Issue.record("accepted \(changes)")
        } catch let .unsupported(source, architecture, name, _, supported) {
            #expect(source == "config.json" && architecture == "Llama" && name == field && !supported.isEmpty)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func refusesMissingAndHugeSizes() {
        #expect(throws: ArchitectureConfigError.missingField(source: "config.json", field: "vocab_size")) {
            try Self.parse(["vocab_size": NSNull()])
        }
        #expect(throws: ArchitectureConfigError.missingField(source: "config.json", field: "num_hidden_layers")) {
            try Self.parse(["num_hidden_layers": -1])
        }
        #expect(throws: ArchitectureConfigError.tooLarge(source: "config.json", fields: "vocab_size × hidden_size")) {
            try Self.parse(["vocab_size": 1 << 40, "hidden_size": 1 << 32, "num_attention_heads": 1 << 16,
                            "num_key_value_heads": 1 << 16])
        }
        let error = ArchitectureConfigError.unsupported(source: "c.json", architecture: "Llama", field: "hidden_act",
                                                        value: "\"gelu\"", supported: "silu")
        #expect(error.description == "c.json: \"hidden_act\": \"gelu\" is not supported by Arbor's Llama (supported: silu)")
    }

    /// The written config reads back to the same configuration.
    @Test func huggingFaceConfigRoundTrips() throws {
        let config = try Self.parse([:])
        let written = config.huggingFaceConfig(dtype: "bfloat16")
        #expect(try LlamaConfig(huggingFaceConfig: written) == config)
        let object = try JSONSerialization.jsonObject(with: written) as? [String: Any]
        #expect(object?["architectures"] as? [String] == ["LlamaForCausalLM"] && object?["dtype"] as? String == "bfloat16")
    }
}
