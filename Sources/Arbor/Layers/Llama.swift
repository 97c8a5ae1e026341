import ArborTensor

/// The body of a `Llama`: embeddings, blocks and the final norm, named as
/// Hugging Face's `LlamaModel` (`embed_tokens`, `layers`, `norm`).
public final class LlamaModel: Module {
    /// Token embedding `[vocab, width]` (also the head when tied).
    public let embed_tokens: Embedding
    /// The blocks.
    public let layers: [LlamaDecoderLayer]
    /// Final RMSNorm.
    public let norm: RMSNorm

    /// A body for `config`.
    public init(_ config: LlamaConfig, key: RandomKey) {
        let keys = key.split(config.layers + 1)
        embed_tokens = Embedding(config.vocabularySize, config.width, std: 0.02, key: keys[0])
        layers = (0..<config.layers).map { LlamaDecoderLayer(config, key: keys[$0 + 1]) }
        norm = RMSNorm(config.width, epsilon: config.epsilon)
    }
}

/// A Llama-family decoder (Llama, Qwen2, Mistral without sliding windows)
/// whose variable paths are Hugging Face's `LlamaForCausalLM` names:
/// `model/embed_tokens/weight`, `model/layers/<i>/self_attn/{q,k,v,o}_proj/weight`
/// (q/k/v `bias` in Qwen2), `model/layers/<i>/mlp/{gate,up,down}_proj/weight`,
/// `model/layers/<i>/{input,post_attention}_layernorm/weight`,
/// `model/norm/weight`, and `lm_head/weight` unless the head is tied to
/// `embed_tokens`. All `Linear` weights are `[out, in]`, as PyTorch stores them,
/// so a Hugging Face state dict loads with no renames or transposes.
///
/// ```swift
/// let (model, _) = try HuggingFaceModelDirectory(opening: url).loadLlama()
/// let logits = model(Tensor([1, 2, 3] as [Int64], shape: [1, 3]))   // [1, 3, vocab]
/// ```
public final class Llama: Module {
    /// The configuration.
    public let config: LlamaConfig
    /// Embeddings, blocks and final norm.
    public let model: LlamaModel
    /// The output head `[vocab, width]`, or `nil` when tied to `embed_tokens`.
    public let lm_head: Linear?

    /// A model initialised from `key` (normal(0, 0.02) embeddings, PyTorch-style linears).
    public init(_ config: LlamaConfig, key: RandomKey) {
        let (a, b) = key.split()
        self.config = config
        model = LlamaModel(config, key: a)
        lm_head = config.tiedHead ? nil : Linear(config.width, config.vocabularySize, useBias: false, key: b)
    }

    /// Hidden states `[batch, time, width]` after the final norm for Int64/Int32 token ids `[batch, time]`.
    ///
    /// `attentionMask` (Int32/Int64, same shape, 1 for a token and 0 for
    /// padding) lets a padded batch run as transformers runs it: padded keys
    /// are hidden from every query, positions stay `0..<time` (rotary
    /// attention depends only on distances, so a left-padded row gives its
    /// unpadded outputs), and rows at padded positions are meaningless.
    public func hidden(_ ids: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        precondition(ids.rank == 2, "Llama: ids must be [batch, time], got \(ids.shape)")
        let (cos, sin) = RotaryEmbedding(headDimension: config.headDimension, theta: config.ropeTheta)
            .tables(time: ids.shape[1])
        let maskBias = attentionMask.map { attentionMaskBias($0, matching: ids, layer: "Llama") }
        var x = model.embed_tokens(ids)
        for layer in model.layers { x = layer(x, cos: cos, sin: sin, maskBias: maskBias) }
        return model.norm(x)
    }

    /// Logits `[batch, time, vocab]` from hidden states.
    public func logits(_ hidden: Tensor) -> Tensor {
        if let lm_head { return lm_head(hidden) }
        return model.embed_tokens.attend(hidden)
    }

    /// Logits `[batch, time, vocab]` for token ids `[batch, time]` (and an
    /// optional attention mask for a padded batch, see `hidden(_:attentionMask:)`).
    public func callAsFunction(_ ids: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        logits(hidden(ids, attentionMask: attentionMask))
    }
}
