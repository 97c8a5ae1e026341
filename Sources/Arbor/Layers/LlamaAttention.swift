import ArborTensor

/// Causal self-attention with rotary positions and grouped-query heads, named
/// as Hugging Face's `LlamaAttention`: `q_proj` (width → heads·d), `k_proj`
/// and `v_proj` (width → kvHeads·d, biased in Qwen2), `o_proj` (heads·d → width,
/// no bias). Each group of `heads / kvHeads` query heads shares one key/value head.
public final class LlamaAttention: Module {
    /// Query projection.
    public let q_proj: Linear
    /// Key projection.
    public let k_proj: Linear
    /// Value projection.
    public let v_proj: Linear
    /// Output projection.
    public let o_proj: Linear
    /// Query heads.
    public let heads: Int
    /// Key/value heads.
    public let keyValueHeads: Int
    /// The position rotation (and head width).
    public let rotary: RotaryEmbedding

    /// Attention for `config`.
    public init(_ config: LlamaConfig, key: RandomKey) {
        // `LlamaConfig(huggingFaceConfig:)` refuses such a config.json by field; only code can build one.
        precondition(config.heads > 0 && config.keyValueHeads > 0 && config.heads % config.keyValueHeads == 0,
                     "LlamaAttention: \(config.heads) heads must split into groups of \(config.keyValueHeads) key/value heads")
        let keys = key.split(4)
        let d = config.headDimension
        q_proj = Linear(config.width, config.heads * d, useBias: config.queryKeyValueBias, key: keys[0])
        k_proj = Linear(config.width, config.keyValueHeads * d, useBias: config.queryKeyValueBias, key: keys[1])
        v_proj = Linear(config.width, config.keyValueHeads * d, useBias: config.queryKeyValueBias, key: keys[2])
        o_proj = Linear(config.heads * d, config.width, useBias: false, key: keys[3])
        heads = config.heads
        keyValueHeads = config.keyValueHeads
        rotary = RotaryEmbedding(headDimension: d, theta: config.ropeTheta)
    }

    /// `[batch, time, width]` → same; position i attends to 0…i. `cos`/`sin`
    /// are `rotary.tables(time:)`, computed once per forward pass; `maskBias`
    /// `[batch, 1, 1, time]` (from an attention mask) hides padded keys.
    public func callAsFunction(_ input: Tensor, cos: Tensor, sin: Tensor, maskBias: Tensor? = nil) -> Tensor {
        precondition(input.rank == 3, "LlamaAttention: input must be [batch, time, width], got \(input.shape)")
        let (batch, time) = (input.shape[0], input.shape[1])
        let d = rotary.headDimension
        func heads(_ x: Tensor, _ count: Int) -> Tensor {
            do { return try x.reshaped([batch, time, count, d]).permuted([0, 2, 1, 3]) } catch {
                preconditionFailure("LlamaAttention: \(error)")
            }
        }
        let q = rotary(heads(q_proj(input), self.heads), cos: cos, sin: sin)
        let k = repeated(rotary(heads(k_proj(input), keyValueHeads), cos: cos, sin: sin))
        let v = repeated(heads(v_proj(input), keyValueHeads))
        var scores = matmul(q, k, transposingB: true) * (1 / Float(d).squareRoot())
        if let maskBias { scores = scores + maskBias }
        let attended = matmul(scores.causallyMasked().softmax(), v)   // [batch, heads, time, d]
        do {
            return o_proj(try attended.permuted([0, 2, 1, 3]).reshaped([batch, time, self.heads * d]))
        } catch { preconditionFailure("LlamaAttention: \(error)") }
    }

    /// Key/value heads `[b, kvHeads, t, d]` repeated to `[b, heads, t, d]`,
    /// each `heads / kvHeads` times in place (`repeat_kv`).
    private func repeated(_ x: Tensor) -> Tensor {
        let groups = self.heads / keyValueHeads
        guard groups > 1 else { return x }
        let (b, t, d) = (x.shape[0], x.shape[2], x.shape[3])
        do {
            let single = try x.reshaped([b, keyValueHeads, 1, t, d])
            return try Tensor.concatenated(Array(repeating: single, count: groups), alongAxis: 2)
                .reshaped([b, self.heads, t, d])
        } catch { preconditionFailure("LlamaAttention: \(error)") }
    }
}
