import ArborTensor

/// BERT's bidirectional self-attention (`BertSelfAttention`): separate
/// `query`, `key`, `value` projections with biases, split into heads.
public final class BERTSelfAttention: Module {
    /// Query projection.
    public let query: Linear
    /// Key projection.
    public let key: Linear
    /// Value projection.
    public let value: Linear
    /// Number of heads.
    public let heads: Int

    /// Attention for `config`.
    public init(_ config: BERTConfig, key randomKey: RandomKey) {
        // `BERTConfig(huggingFaceConfig:)` refuses such a config.json by field; only code can build one.
        precondition(config.heads > 0 && config.width % config.heads == 0,
                     "BERTSelfAttention: width \(config.width) must divide into \(config.heads) heads")
        let keys = randomKey.split(3)
        query = Linear(config.width, config.width, key: keys[0])
        key = Linear(config.width, config.width, key: keys[1])
        value = Linear(config.width, config.width, key: keys[2])
        heads = config.heads
    }

    /// `[batch, time, width]` → same; `maskBias` `[batch, 1, 1, time]` is added
    /// to the scores (a large negative number at padded keys), or `nil`.
    public func callAsFunction(_ input: Tensor, maskBias: Tensor?) -> Tensor {
        let (batch, time, width) = (input.shape[0], input.shape[1], input.shape[2])
        let d = width / heads
        func split(_ x: Tensor) -> Tensor {
            do { return try x.reshaped([batch, time, heads, d]).permuted([0, 2, 1, 3]) } catch {
                preconditionFailure("BERTSelfAttention: \(error)")
            }
        }
        var scores = matmul(split(query(input)), split(key(input)), transposingB: true) * (1 / Float(d).squareRoot())
        if let maskBias { scores = scores + maskBias }
        let attended = matmul(scores.softmax(), split(value(input)))
        do { return try attended.permuted([0, 2, 1, 3]).reshaped([batch, time, width]) } catch {
            preconditionFailure("BERTSelfAttention: \(error)")
        }
    }
}

/// A projection, then `LayerNorm(projected + residual)`: BERT's
/// `BertSelfOutput` and `BertOutput` (post-norm).
public final class BERTResidualOutput: Module {
    /// The projection.
    public let dense: Linear
    /// Norm after the residual sum.
    public let LayerNorm: Arbor.LayerNorm

    /// `inFeatures` → `config.width`.
    public init(_ inFeatures: Int, _ config: BERTConfig, key: RandomKey) {
        dense = Linear(inFeatures, config.width, key: key)
        LayerNorm = Arbor.LayerNorm(config.width, epsilon: config.epsilon)
    }

    /// `LayerNorm(dense(input) + residual)`.
    public func callAsFunction(_ input: Tensor, residual: Tensor) -> Tensor {
        LayerNorm(dense(input) + residual)
    }
}

/// `BertAttention`: self-attention (`self`) and its post-norm output (`output`).
public final class BERTAttention: Module {
    /// The attention heads (Hugging Face's name, `attention.self`).
    public let `self`: BERTSelfAttention
    /// Projection and norm.
    public let output: BERTResidualOutput

    /// Attention for `config`.
    public init(_ config: BERTConfig, key: RandomKey) {
        let (a, b) = key.split()
        self.`self` = BERTSelfAttention(config, key: a)
        output = BERTResidualOutput(config.width, config, key: b)
    }

    /// `[batch, time, width]` → same.
    public func callAsFunction(_ input: Tensor, maskBias: Tensor?) -> Tensor {
        output(self.`self`(input, maskBias: maskBias), residual: input)
    }
}
