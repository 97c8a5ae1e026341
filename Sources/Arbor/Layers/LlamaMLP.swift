import ArborTensor

/// Llama's SwiGLU feed-forward block: `down_proj(silu(gate_proj(x)) · up_proj(x))`,
/// no biases.
public final class LlamaMLP: Layer {
    /// width → intermediate, through SiLU.
    public let gate_proj: Linear
    /// width → intermediate.
    public let up_proj: Linear
    /// intermediate → width.
    public let down_proj: Linear

    /// A block for `config`.
    public init(_ config: LlamaConfig, key: RandomKey) {
        let keys = key.split(3)
        gate_proj = Linear(config.width, config.intermediateSize, useBias: false, key: keys[0])
        up_proj = Linear(config.width, config.intermediateSize, useBias: false, key: keys[1])
        down_proj = Linear(config.intermediateSize, config.width, useBias: false, key: keys[2])
    }

    /// Applies the block.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let gate = gate_proj(input)
        return down_proj(gate * gate.sigmoid() * up_proj(input))
    }
}
