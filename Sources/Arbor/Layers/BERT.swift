import ArborTensor

/// `BertIntermediate`: width → intermediate, exact (erf) GELU.
public final class BERTIntermediate: Layer {
    /// The projection.
    public let dense: Linear

    /// A block for `config`.
    public init(_ config: BERTConfig, key: RandomKey) {
        dense = Linear(config.width, config.intermediateSize, key: key)
    }

    /// Applies the block.
    public func callAsFunction(_ input: Tensor) -> Tensor { dense(input).gelu(approximation: .none) }
}

/// One post-norm BERT layer (`BertLayer`): attention, then
/// `output.LayerNorm(output.dense(intermediate(x)) + x)`.
public final class BERTLayer: Module {
    /// Self-attention and its output.
    public let attention: BERTAttention
    /// Feed-forward expansion.
    public let intermediate: BERTIntermediate
    /// Feed-forward projection and norm.
    public let output: BERTResidualOutput

    /// A layer for `config`.
    public init(_ config: BERTConfig, key: RandomKey) {
        let keys = key.split(3)
        attention = BERTAttention(config, key: keys[0])
        intermediate = BERTIntermediate(config, key: keys[1])
        output = BERTResidualOutput(config.intermediateSize, config, key: keys[2])
    }

    /// `[batch, time, width]` → same.
    public func callAsFunction(_ input: Tensor, maskBias: Tensor?) -> Tensor {
        let x = attention(input, maskBias: maskBias)
        return output(intermediate(x), residual: x)
    }
}

/// `BertEncoder`: the layers.
public final class BERTEncoder: Module {
    /// The layers (Hugging Face's name, `encoder.layer.N`).
    public let layer: [BERTLayer]

    /// Layers for `config`.
    public init(_ config: BERTConfig, key: RandomKey) {
        let keys = key.split(max(config.layers, 1))
        layer = (0..<config.layers).map { BERTLayer(config, key: keys[$0]) }
    }
}

/// `BertPooler`: `tanh(dense(h[:, 0]))`, the first token's summary.
public final class BERTPooler: Module {
    /// The projection.
    public let dense: Linear

    /// A pooler for `config`.
    public init(_ config: BERTConfig, key: RandomKey) {
        dense = Linear(config.width, config.width, key: key)
    }

    /// `[batch, width]` from `[batch, time, width]`.
    public func callAsFunction(_ hidden: Tensor) -> Tensor {
        do {
            let first = try hidden.sliced(alongAxis: 1, 0..<1).reshaped([hidden.shape[0], hidden.shape[2]])
            return dense(first).tanh()
        } catch { preconditionFailure("BERTPooler: \(error)") }
    }
}

/// A BERT encoder whose variable paths are Hugging Face's `BertModel` names
/// (`embeddings/word_embeddings/weight`, `encoder/layer/<i>/attention/self/query/weight`,
/// `encoder/layer/<i>/attention/output/LayerNorm/bias`, `pooler/dense/weight`, …),
/// giving `last_hidden_state` and `pooler_output` as transformers does, with an
/// attention mask for padded batches.
///
/// ```swift
/// let (model, _) = try HuggingFaceModelDirectory(opening: url).loadBERT()
/// let out = model(ids, tokenTypes: types, attentionMask: mask)
/// print(out.lastHiddenState.shape, out.poolerOutput.shape)
/// ```
public final class BERT: Module {
    /// The configuration.
    public let config: BERTConfig
    /// Word, position and token-type embeddings.
    public let embeddings: BERTEmbeddings
    /// The layers.
    public let encoder: BERTEncoder
    /// The first-token pooler.
    public let pooler: BERTPooler

    /// A model initialised from `key`.
    public init(_ config: BERTConfig, key: RandomKey) {
        let keys = key.split(3)
        self.config = config
        embeddings = BERTEmbeddings(config, key: keys[0])
        encoder = BERTEncoder(config, key: keys[1])
        pooler = BERTPooler(config, key: keys[2])
    }

    /// The encoder's outputs.
    public struct Output {
        /// `[batch, time, width]`.
        public var lastHiddenState: Tensor
        /// `[batch, width]`.
        public var poolerOutput: Tensor
    }

    /// Runs the encoder on Int64/Int32 token ids `[batch, time]`; `tokenTypes`
    /// (same shape; zeros when `nil`) and `attentionMask` (same shape, 1 for a
    /// real token and 0 for padding; all ones when `nil`), as transformers takes them.
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor? = nil, attentionMask: Tensor? = nil) -> Output {
        // A caller's contract: `arbor embed` checks length, ids and token types against the config first.
        precondition(ids.rank == 2 && ids.shape[1] <= config.positions,
                     "BERT: ids must be [batch, time ≤ \(config.positions)], got \(ids.shape)")
        let (batch, time) = (ids.shape[0], ids.shape[1])
        let types = tokenTypes ?? Tensor([Int64](repeating: 0, count: batch * time), shape: [batch, time])
        precondition(types.shape == ids.shape, "BERT: token types \(types.shape) must match ids \(ids.shape)")
        let maskBias = attentionMask.map { attentionMaskBias($0, matching: ids, layer: "BERT") }
        var x = embeddings(ids, tokenTypes: types)
        for layer in encoder.layer { x = layer(x, maskBias: maskBias) }
        return Output(lastHiddenState: x, poolerOutput: pooler(x))
    }
}
