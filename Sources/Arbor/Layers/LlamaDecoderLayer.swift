import ArborTensor

/// One pre-norm Llama block: `x + self_attn(input_layernorm(x))`, then
/// `x + mlp(post_attention_layernorm(x))`.
public final class LlamaDecoderLayer: Module {
    /// Norm before attention.
    public let input_layernorm: RMSNorm
    /// Causal self-attention with rotary positions.
    public let self_attn: LlamaAttention
    /// Norm before the MLP.
    public let post_attention_layernorm: RMSNorm
    /// SwiGLU block.
    public let mlp: LlamaMLP

    /// A block for `config`.
    public init(_ config: LlamaConfig, key: RandomKey) {
        let (a, b) = key.split()
        input_layernorm = RMSNorm(config.width, epsilon: config.epsilon)
        self_attn = LlamaAttention(config, key: a)
        post_attention_layernorm = RMSNorm(config.width, epsilon: config.epsilon)
        mlp = LlamaMLP(config, key: b)
    }

    /// `[batch, time, width]` → same; `maskBias` as `LlamaAttention` takes it.
    public func callAsFunction(_ input: Tensor, cos: Tensor, sin: Tensor, maskBias: Tensor? = nil) -> Tensor {
        let x = input + self_attn(input_layernorm(input), cos: cos, sin: sin, maskBias: maskBias)
        return x + mlp(post_attention_layernorm(x))
    }
}
