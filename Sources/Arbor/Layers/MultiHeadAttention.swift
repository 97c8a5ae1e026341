import ArborTensor

/// Causal multi-head self-attention with a fused q/k/v projection, named as
/// GPT-2 does: `c_attn` (`Linear(width, 3·width)`, weight `[3·width, width]`,
/// output columns q | k | v, each split into `heads` heads) and `c_proj`.
/// (Hugging Face's GPT-2 `Conv1D` stores these transposed, `[in, out]`.)
public final class MultiHeadAttention: Layer {
    /// Fused query/key/value projection, width → 3·width.
    public let c_attn: Linear
    /// Output projection, width → width.
    public let c_proj: Linear
    /// Number of heads (width must divide evenly).
    public let heads: Int

    /// Attention over `width` features in `heads` heads.
    public init(width: Int, heads: Int, key: RandomKey) {
        // `GPT2Config(huggingFaceConfig:)` refuses n_head not dividing n_embd; only code can pass such sizes.
        precondition(heads > 0 && width % heads == 0, "MultiHeadAttention: width \(width) must divide into \(heads) heads")
        let (a, b) = key.split()
        c_attn = Linear(width, 3 * width, key: a)
        c_proj = Linear(width, width, key: b)
        self.heads = heads
    }

    /// `[batch, time, width]` → `[batch, time, width]`; position i attends to 0…i.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 3, "MultiHeadAttention: input must be [batch, time, width], got \(input.shape)")
        let (batch, time, width) = (input.shape[0], input.shape[1], input.shape[2])
        let headWidth = width / heads
        let qkv = c_attn(input)
        func split(_ index: Int) -> Tensor {
            do {
                return try qkv.sliced(alongAxis: 2, (index * width)..<((index + 1) * width))
                    .reshaped([batch, time, heads, headWidth]).permuted([0, 2, 1, 3])
            } catch { preconditionFailure("MultiHeadAttention: \(error)") }
        }
        let (q, k, v) = (split(0), split(1), split(2))
        let scores = matmul(q, k, transposingB: true) * (1 / Float(headWidth).squareRoot())
        let attended = matmul(scores.causallyMasked().softmax(), v)   // [batch, heads, time, headWidth]
        do {
            return c_proj(try attended.permuted([0, 2, 1, 3]).reshaped([batch, time, width]))
        } catch { preconditionFailure("MultiHeadAttention: \(error)") }
    }
}
