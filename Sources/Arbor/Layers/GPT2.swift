import ArborTensor

/// The size of a `GPT2`.
public struct GPT2Config: Codable, Hashable, Sendable {
    /// Vocabulary size (rows of `wte`).
    public var vocabularySize: Int
    /// Maximum sequence length (rows of `wpe`).
    public var positions: Int
    /// Model width.
    public var width: Int
    /// Number of blocks.
    public var layers: Int
    /// Attention heads per block.
    public var heads: Int
    /// LayerNorm epsilon.
    public var epsilon: Float

    /// A configuration.
    public init(vocabularySize: Int, positions: Int, width: Int, layers: Int, heads: Int, epsilon: Float = 1e-5) {
        self.vocabularySize = vocabularySize
        self.positions = positions
        self.width = width
        self.layers = layers
        self.heads = heads
        self.epsilon = epsilon
    }
}

/// GPT-2's feed-forward block: `c_fc` (width → 4·width), tanh-approximated GELU, `c_proj`.
public final class GPT2MLP: Layer {
    /// width → 4·width.
    public let c_fc: Linear
    /// 4·width → width.
    public let c_proj: Linear

    /// A block of `width`.
    public init(width: Int, key: RandomKey) {
        let (a, b) = key.split()
        c_fc = Linear(width, 4 * width, key: a)
        c_proj = Linear(4 * width, width, key: b)
    }

    /// Applies the block.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        c_proj(c_fc(input).gelu(approximation: .tanh))
    }
}

/// One pre-norm transformer block: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`.
public final class GPT2Block: Layer {
    /// Norm before attention.
    public let ln_1: LayerNorm
    /// Causal self-attention.
    public let attn: MultiHeadAttention
    /// Norm before the MLP.
    public let ln_2: LayerNorm
    /// Feed-forward block.
    public let mlp: GPT2MLP

    /// A block for `config`.
    public init(_ config: GPT2Config, key: RandomKey) {
        let (a, b) = key.split()
        ln_1 = LayerNorm(config.width, epsilon: config.epsilon)
        attn = MultiHeadAttention(width: config.width, heads: config.heads, key: a)
        ln_2 = LayerNorm(config.width, epsilon: config.epsilon)
        mlp = GPT2MLP(width: config.width, key: b)
    }

    /// `[batch, time, width]` → same.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let x = input + attn(ln_1(input))
        return x + mlp(ln_2(x))
    }
}

/// GPT-2 with the language-model head tied to the token embedding: logits are
/// `ln_f(h) · wteᵀ`, so `wte/weight` is the one and only head parameter and a
/// split stores it once. Paths follow Hugging Face's names without the
/// `transformer.` prefix: `wte/weight` `[vocab, width]`, `wpe/weight`,
/// `h/<i>/ln_1/{weight,bias}`, `h/<i>/attn/c_attn/{weight,bias}` (fused q|k|v,
/// weight `[3·width, width]`), `h/<i>/attn/c_proj/…`, `h/<i>/ln_2/…`,
/// `h/<i>/mlp/c_fc/…`, `h/<i>/mlp/c_proj/…`, `ln_f/…`. All `Linear` weights are
/// `[out, in]` (transposes of HF's `Conv1D` weights).
public final class GPT2: Module {
    /// The configuration.
    public let config: GPT2Config
    /// Token embedding `[vocab, width]`, also the output head.
    public let wte: Embedding
    /// Position embedding `[positions, width]`.
    public let wpe: Embedding
    /// The blocks.
    public let h: [GPT2Block]
    /// Final norm.
    public let ln_f: LayerNorm

    /// A model initialised from `key` (normal(0, 0.02) embeddings, PyTorch-style linears).
    public init(_ config: GPT2Config, key: RandomKey) {
        let keys = key.split(config.layers + 2)
        self.config = config
        wte = Embedding(config.vocabularySize, config.width, std: 0.02, key: keys[0])
        wpe = Embedding(config.positions, config.width, std: 0.02, key: keys[1])
        h = (0..<config.layers).map { GPT2Block(config, key: keys[$0 + 2]) }
        ln_f = LayerNorm(config.width, epsilon: config.epsilon)
    }

    /// The output head: the same `Param` object as `wte.weight`.
    public var lmHead: Param { wte.weight }

    /// Hidden states `[batch, time, width]` after `ln_f` for Int64/Int32 token ids `[batch, time]`.
    public func hidden(_ ids: Tensor) -> Tensor {
        // A caller's contract: `greedy` (and `arbor generate`) refuse longer prompts and token counts first.
        precondition(ids.rank == 2 && ids.shape[1] <= config.positions,
                     "GPT2: ids must be [batch, time ≤ \(config.positions)], got \(ids.shape)")
        let positions = Tensor((0..<ids.shape[1]).map { Int64($0) })
        var x = wte(ids) + wpe(positions)
        for block in h { x = block(x) }
        return ln_f(x)
    }

    /// Logits `[batch, time, vocab]` for token ids `[batch, time]`.
    public func callAsFunction(_ ids: Tensor) -> Tensor {
        wte.attend(hidden(ids))
    }
}
