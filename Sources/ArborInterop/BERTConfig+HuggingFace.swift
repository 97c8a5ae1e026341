import Arbor
import Foundation

extension BERTConfig {
    /// Reads a Hugging Face BERT `config.json`, refusing by name what Arbor's
    /// `BERT` would compute differently: an activation other than exact
    /// `gelu`, relative position embeddings, a decoder or cross-attention,
    /// another `model_type` (RoBERTa's offset positions, for one).
    public init(huggingFaceConfig data: Data, source: String = "config.json") throws(ArchitectureConfigError) {
        let config = try HuggingFaceConfigFields(data, source: source, architecture: "BERT")
        try config.require("model_type", try config.string("model_type", default: "bert") == "bert", supported: "bert")
        try config.require("hidden_act", try config.string("hidden_act", default: "gelu") == "gelu",
                           supported: "gelu (exact erf GELU)")
        try config.require("position_embedding_type",
                           try config.string("position_embedding_type", default: "absolute") == "absolute",
                           supported: "absolute")
        try config.require("is_decoder", !(try config.flag("is_decoder", default: false)), supported: "false")
        try config.require("add_cross_attention", !(try config.flag("add_cross_attention", default: false)),
                           supported: "false")
        let width = try config.int("hidden_size")
        let heads = try config.int("num_attention_heads")
        try config.require("num_attention_heads", width % heads == 0, supported: "a divisor of hidden_size \(width)")
        let vocabulary = try config.int("vocab_size")
        let intermediate = try config.int("intermediate_size")
        let layers = try config.int("num_hidden_layers")
        let positions = try config.int("max_position_embeddings")
        let tokenTypes = try config.int("type_vocab_size", default: 2)
        try config.requireProductsFit([
            ("vocab_size × hidden_size", [vocabulary, width]),
            ("max_position_embeddings × hidden_size", [positions, width]),
            ("type_vocab_size × hidden_size", [tokenTypes, width]),
            ("num_hidden_layers × hidden_size × intermediate_size × 2", [layers, width, intermediate, 2]),
        ])
        self.init(vocabularySize: vocabulary, width: width, layers: layers, heads: heads,
                  intermediateSize: intermediate, positions: positions,
                  tokenTypes: tokenTypes,
                  epsilon: Float(try config.double("layer_norm_eps", default: 1e-12)))
    }

    /// A Hugging Face `config.json` `BertModel.from_pretrained` reads, starting
    /// from `base` when given; the sizes and `dtype` always come from `self`.
    public func huggingFaceConfig(dtype: String = "float32", base: Data? = nil) -> Data {
        let defaults: [String: Any] = [
            "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
            "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02, "pad_token_id": 0,
        ]
        let fields: [String: Any] = [
            "vocab_size": vocabularySize, "hidden_size": width, "num_hidden_layers": layers,
            "num_attention_heads": heads, "intermediate_size": intermediateSize, "max_position_embeddings": positions,
            "type_vocab_size": tokenTypes, "layer_norm_eps": HuggingFaceConfigFields.number(epsilon),
        ]
        return HuggingFaceConfigFields.written(defaults: defaults, base: base, fields: fields, dtype: dtype)
    }
}
