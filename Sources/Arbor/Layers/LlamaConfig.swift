/// The size and options of a `Llama`-family decoder (Llama, Qwen2, Mistral
/// without sliding windows, TinyLlama, SmolLM): what Arbor's layer computes,
/// not how a file spells it (`LlamaConfig(huggingFaceConfig:)` in
/// `ArborInterop` reads `config.json`).
public struct LlamaConfig: Codable, Hashable, Sendable {
    /// Vocabulary size (rows of `embed_tokens`).
    public var vocabularySize: Int
    /// Model width (`hidden_size`).
    public var width: Int
    /// Width of the SwiGLU MLP (`intermediate_size`).
    public var intermediateSize: Int
    /// Number of decoder layers.
    public var layers: Int
    /// Query heads.
    public var heads: Int
    /// Key/value heads (grouped-query attention); divides `heads`.
    public var keyValueHeads: Int
    /// Width of one head (`head_dim`, usually `width / heads`).
    public var headDimension: Int
    /// Longest sequence the model was trained for (`max_position_embeddings`).
    public var positions: Int
    /// Rotary embedding base (`rope_theta`).
    public var ropeTheta: Double
    /// RMSNorm epsilon (`rms_norm_eps`).
    public var epsilon: Float
    /// Whether `q_proj`, `k_proj` and `v_proj` have biases (Qwen2); `o_proj` never has.
    public var queryKeyValueBias: Bool
    /// Whether the output head is `embed_tokens` (no `lm_head` of its own).
    public var tiedHead: Bool

    /// A configuration; `headDimension` defaults to `width / heads`.
    public init(vocabularySize: Int, width: Int, intermediateSize: Int, layers: Int, heads: Int,
                keyValueHeads: Int? = nil, headDimension: Int? = nil, positions: Int, ropeTheta: Double = 10_000,
                epsilon: Float = 1e-6, queryKeyValueBias: Bool = false, tiedHead: Bool = false) {
        self.vocabularySize = vocabularySize
        self.width = width
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.heads = heads
        self.keyValueHeads = keyValueHeads ?? heads
        self.headDimension = headDimension ?? (heads > 0 ? width / heads : 0)
        self.positions = positions
        self.ropeTheta = ropeTheta
        self.epsilon = epsilon
        self.queryKeyValueBias = queryKeyValueBias
        self.tiedHead = tiedHead
    }
}
