import Arbor
import Foundation

extension GPT2Config {
    /// Reads a Hugging Face GPT-2 `config.json`, refusing fields that would
    /// make Arbor compute something different from `GPT2LMHeadModel` (an
    /// untied head, exact GELU, a non-default MLP width…) instead of loading
    /// weights that then give quietly wrong logits.
    public init(huggingFaceConfig data: Data, source: String = "config.json") throws(GPT2ConfigError) {
        guard let object = try? JSONSerialization.jsonObject(with: data), let config = object as? [String: Any] else {
            throw .notJSONObject(source: source)
        }
        func int(_ field: String) throws(GPT2ConfigError) -> Int {
            // `as? Int` takes only numbers an Int holds exactly: 1e30 or 1.5 are refused, not truncated.
            guard let value = config[field] as? Int, value > 0 else {
                throw .missingField(source: source, field: field)
            }
            return value
        }
        func flag(_ field: String, default value: Bool) -> Bool { (config[field] as? Bool) ?? value }
        func require(_ field: String, _ ok: Bool, value: Any?, supported: String) throws(GPT2ConfigError) {
            if !ok { throw .unsupported(source: source, field: field, value: value.map { "\($0)" } ?? "null", supported: supported) }
        }

        if let type = config["model_type"] as? String {
            try require("model_type", type == "gpt2", value: type, supported: "gpt2")
        }
        let width = try int("n_embd")
        let heads = try int("n_head")
        try require("n_head", width % heads == 0, value: heads, supported: "a divisor of n_embd \(width)")
        if let inner = config["n_inner"], !(inner is NSNull) {
            let (mlpWidth, overflow) = width.multipliedReportingOverflow(by: 4)
            try require("n_inner", !overflow && inner as? Int == mlpWidth, value: inner,
                        supported: overflow ? "null" : "null or \(mlpWidth)")
        }
        let activation = (config["activation_function"] as? String) ?? "gelu_new"
        try require("activation_function", ["gelu_new", "gelu_pytorch_tanh"].contains(activation),
                    value: activation, supported: "gelu_new, gelu_pytorch_tanh")
        try require("tie_word_embeddings", flag("tie_word_embeddings", default: true), value: false,
                    supported: "true (Arbor's head is wte)")
        try require("scale_attn_weights", flag("scale_attn_weights", default: true), value: false, supported: "true")
        try require("scale_attn_by_inverse_layer_idx", !flag("scale_attn_by_inverse_layer_idx", default: false),
                    value: true, supported: "false")
        try require("add_cross_attention", !flag("add_cross_attention", default: false), value: true, supported: "false")
        let epsilon = (config["layer_norm_epsilon"] as? NSNumber)?.floatValue ?? 1e-5
        self.init(vocabularySize: try int("vocab_size"), positions: try int("n_positions"), width: width,
                  layers: try int("n_layer"), heads: heads, epsilon: epsilon)
        // Sizes whose parameter count does not fit in an Int describe no model:
        // refused here, before anything multiplies them unchecked.
        guard weightByteCount != nil else { throw .tooLarge(source: source, bytes: nil, available: nil) }
    }

    /// A Hugging Face `config.json` for this configuration, which
    /// `GPT2LMHeadModel.from_pretrained` reads. Starts from `base` (the
    /// config the model was loaded from, keeping its token ids and other
    /// fields) when given; the sizes and `dtype` always come from `self`.
    public func huggingFaceConfig(dtype: String = "float32", base: Data? = nil) -> Data {
        var config: [String: Any] = [
            "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "n_inner": NSNull(), "tie_word_embeddings": true, "scale_attn_weights": true,
            "attn_pdrop": 0.0, "embd_pdrop": 0.0, "resid_pdrop": 0.0, "initializer_range": 0.02,
        ]
        if let base, let object = try? JSONSerialization.jsonObject(with: base) as? [String: Any] {
            config.merge(object) { _, kept in kept }
        }
        config["vocab_size"] = vocabularySize
        config["n_positions"] = positions
        config["n_embd"] = width
        config["n_layer"] = layers
        config["n_head"] = heads
        config["layer_norm_epsilon"] = Double("\(epsilon)") ?? Double(epsilon)  // 1e-05, not 9.99999974737875e-06
        config["dtype"] = dtype
        if config["torch_dtype"] != nil { config["torch_dtype"] = dtype }
        var data = (try? JSONSerialization.data(withJSONObject: config,
                                                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
