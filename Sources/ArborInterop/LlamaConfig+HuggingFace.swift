import Arbor
import Foundation

extension LlamaConfig {
    /// The `model_type`s whose `config.json` Arbor's `Llama` reads.
    public static let huggingFaceModelTypes = ["llama", "qwen2", "mistral"]

    /// Reads a Hugging Face Llama, Qwen2 or Mistral `config.json`, refusing by
    /// name every field that would make Arbor compute something different from
    /// transformers: a `rope_scaling` / `rope_parameters.rope_type` other than
    /// the default, sliding-window attention, an activation other than SiLU,
    /// `attention_bias` or `mlp_bias`, another `model_type`. Sizes whose
    /// weights could not be addressed are refused too.
    public init(huggingFaceConfig data: Data, source: String = "config.json") throws(ArchitectureConfigError) {
        let config = try HuggingFaceConfigFields(data, source: source, architecture: "Llama")
        let type = try config.string("model_type", default: "llama")
        try config.require("model_type", Self.huggingFaceModelTypes.contains(type),
                           supported: Self.huggingFaceModelTypes.joined(separator: ", "))
        let activation = try config.string("hidden_act", default: "silu")
        try config.require("hidden_act", ["silu", "swish"].contains(activation), supported: "silu")
        try config.require("mlp_bias", !(try config.flag("mlp_bias", default: false)), supported: "false")
        // Llama's attention_bias puts biases on all four projections; Qwen2 has q/k/v biases always.
        try config.require("attention_bias", !(try config.flag("attention_bias", default: false)), supported: "false")
        try Self.refuseSlidingWindows(config, modelType: type)
        let theta = try Self.ropeTheta(config)

        let width = try config.int("hidden_size")
        let heads = try config.int("num_attention_heads")
        let keyValueHeads = try config.int("num_key_value_heads", default: heads)
        try config.require("num_key_value_heads", heads % keyValueHeads == 0,
                           supported: "a divisor of num_attention_heads \(heads)")
        let headDimension = try config.int("head_dim", default: width / heads)
        try config.require(config.isNull("head_dim") ? "hidden_size" : "head_dim",
                           headDimension > 0 && headDimension.isMultiple(of: 2) && (!config.isNull("head_dim") || width % heads == 0),
                           supported: "an even head width (hidden_size divisible by num_attention_heads, or head_dim)")
        let vocabulary = try config.int("vocab_size")
        let intermediate = try config.int("intermediate_size")
        let layers = try config.int("num_hidden_layers")
        try config.requireProductsFit([
            ("vocab_size × hidden_size", [vocabulary, width]),
            ("hidden_size × intermediate_size", [width, intermediate]),
            ("num_attention_heads × head_dim × hidden_size", [heads, headDimension, width]),
            ("num_hidden_layers × hidden_size × intermediate_size × 3", [layers, width, intermediate, 3]),
        ])
        self.init(vocabularySize: vocabulary, width: width, intermediateSize: intermediate, layers: layers,
                  heads: heads, keyValueHeads: keyValueHeads, headDimension: headDimension,
                  positions: try config.int("max_position_embeddings"), ropeTheta: theta,
                  epsilon: Float(try config.double("rms_norm_eps", default: 1e-6)),
                  queryKeyValueBias: type == "qwen2",
                  tiedHead: try config.flag("tie_word_embeddings", default: false))
    }

    /// The rotary base from `rope_parameters` (transformers ≥ 5) or
    /// `rope_theta`, refusing any scaling Arbor does not implement.
    private static func ropeTheta(_ config: HuggingFaceConfigFields) throws(ArchitectureConfigError) -> Double {
        if !config.isNull("rope_scaling") {
            let scaling = config.fields["rope_scaling"] as? [String: Any]
            let type = (scaling?["rope_type"] ?? scaling?["type"]) as? String
            try config.require("rope_scaling", type == "default", supported: "null (no scaling)")
        }
        var theta = try config.double("rope_theta", default: 10_000)
        if !config.isNull("rope_parameters") {
            guard let object = config.fields["rope_parameters"] as? [String: Any] else {
                throw config.unsupported("rope_parameters", supported: "an object")
            }
            let parameters = HuggingFaceConfigFields(fields: object, source: config.source, architecture: "Llama")
            let type = try parameters.string("rope_type", default: "default")
            try parameters.require("rope_type", type == "default",
                                   supported: "default (no scaling) in rope_parameters")
            theta = try parameters.double("rope_theta", default: theta)
        }
        try config.require("rope_theta", theta > 0, supported: "a positive number")
        return theta
    }

    /// Refuses Qwen2's `use_sliding_window: true`, a Mistral `sliding_window`,
    /// and `layer_types` with anything but full attention.
    private static func refuseSlidingWindows(_ config: HuggingFaceConfigFields, modelType: String)
        throws(ArchitectureConfigError) {
        if modelType == "qwen2" {
            try config.require("use_sliding_window", !(try config.flag("use_sliding_window", default: false)),
                               supported: "false")
        } else {
            try config.require("sliding_window", config.isNull("sliding_window"), supported: "null")
        }
        if !config.isNull("layer_types") {
            let types = config.fields["layer_types"] as? [String]
            try config.require("layer_types", types?.allSatisfy { $0 == "full_attention" } == true,
                               supported: "\"full_attention\" for every layer")
        }
    }

    /// A Hugging Face `config.json` for this configuration, which
    /// `LlamaForCausalLM` (or, with q/k/v biases, `Qwen2ForCausalLM`)
    /// `.from_pretrained` reads. Starts from `base` (the config the model was
    /// loaded from, keeping its `model_type`, token ids and other fields) when
    /// given; the sizes and `dtype` always come from `self`.
    public func huggingFaceConfig(dtype: String = "float32", base: Data? = nil) -> Data {
        let qwen = queryKeyValueBias
        var defaults: [String: Any] = [
            "architectures": [qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM"], "model_type": qwen ? "qwen2" : "llama",
            "hidden_act": "silu", "attention_dropout": 0.0, "initializer_range": 0.02,
        ]
        if !qwen { defaults["attention_bias"] = false; defaults["mlp_bias"] = false }
        let fields: [String: Any] = [
            "vocab_size": vocabularySize, "hidden_size": width, "intermediate_size": intermediateSize,
            "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": keyValueHeads,
            "head_dim": headDimension, "max_position_embeddings": positions,
            "rms_norm_eps": HuggingFaceConfigFields.number(epsilon), "tie_word_embeddings": tiedHead,
            "rope_theta": ropeTheta, "rope_parameters": ["rope_type": "default", "rope_theta": ropeTheta],
            "rope_scaling": NSNull(),
        ]
        return HuggingFaceConfigFields.written(defaults: defaults, base: base, fields: fields, dtype: dtype)
    }
}
