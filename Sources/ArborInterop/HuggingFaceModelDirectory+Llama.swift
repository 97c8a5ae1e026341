import Arbor
import ArborTensor
import Foundation
import SafeTensors

extension HuggingFaceModelDirectory {
    /// The `LlamaConfig` that `config.json` describes (Llama, Qwen2 or Mistral).
    public func llamaConfig() throws(HuggingFaceError) -> LlamaConfig {
        do {
            return try LlamaConfig(huggingFaceConfig: config, source: url.appendingPathComponent("config.json").path)
        } catch { throw .architectureConfig(error) }
    }

    /// Loads a Llama, Qwen2 or Mistral directory into Arbor's `Llama`, casting
    /// bf16/f16 weights to f32. Strict (the default): any missing, unexpected
    /// or mis-shaped key throws one error listing all of them; lenient: the
    /// report, with a seeded random model's values for missing keys.
    public func loadLlama(strict: Bool = true) throws(HuggingFaceError) -> (model: Llama, report: StateDictLoadReport) {
        try Self.loadLlama(config: try llamaConfig(), tensors: try tensors(), source: url.lastPathComponent, strict: strict)
    }

    /// `loadLlama` for weights not in a directory; `tensors` carry Hugging
    /// Face names (`model.layers.0.self_attn.q_proj.weight`, …).
    public static func loadLlama(config: LlamaConfig, tensors: StateDict, source: String,
                                 strict: Bool = true) throws(HuggingFaceError) -> (model: Llama, report: StateDictLoadReport) {
        try load({ Llama(config, key: RandomKey(seed: 0)) }, rules: .llama(tiedHead: config.tiedHead),
                 tensors: tensors, source: source, strict: strict)
    }

    /// Writes `model` as a directory `LlamaForCausalLM.from_pretrained` (or
    /// `Qwen2ForCausalLM`, for q/k/v biases or a Qwen2 base config) loads with
    /// no missing or unexpected keys: `config.json`, the weights in the order
    /// `save_pretrained` writes them (so shards split where it splits),
    /// `{"format": "pt"}` metadata, an index when sharded, and no
    /// `lm_head.weight` when the head is tied. Atomic, as `save(_:to:options:)` for GPT-2.
    @discardableResult
    public static func save(_ model: Llama, to url: URL, options: SaveOptions = SaveOptions())
        throws(HuggingFaceError) -> ShardedWriteResult {
        if FileManager.default.fileExists(atPath: url.path), !options.force { throw .destinationExists(path: url.path) }
        let config = model.config.huggingFaceConfig(dtype: try torchName(options.dtype), base: options.baseConfig)
        let tensors = try exported(model, rules: .llama(tiedHead: model.config.tiedHead), dtype: options.dtype, path: url.path) {
            declarationOrder($0, sections: ["model.embed_tokens", "model.layers", "model.norm", "lm_head"],
                             modules: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                       "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm",
                                       "post_attention_layernorm"])
        }
        return try write(tensors, config: config, to: url, options: options)
    }
}
