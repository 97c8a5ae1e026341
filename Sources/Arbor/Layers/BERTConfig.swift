/// The size of a `BERT` encoder (what Arbor's layer computes; `ArborInterop`'s
/// `BERTConfig(huggingFaceConfig:)` reads Hugging Face's `config.json`).
public struct BERTConfig: Codable, Hashable, Sendable {
    /// Vocabulary size (rows of `word_embeddings`).
    public var vocabularySize: Int
    /// Model width (`hidden_size`).
    public var width: Int
    /// Number of layers.
    public var layers: Int
    /// Attention heads per layer (divides `width`).
    public var heads: Int
    /// Width of the feed-forward block (`intermediate_size`).
    public var intermediateSize: Int
    /// Maximum sequence length (rows of `position_embeddings`).
    public var positions: Int
    /// Number of token types / segments (`type_vocab_size`).
    public var tokenTypes: Int
    /// LayerNorm epsilon (`layer_norm_eps`).
    public var epsilon: Float

    /// A configuration.
    public init(vocabularySize: Int, width: Int, layers: Int, heads: Int, intermediateSize: Int, positions: Int,
                tokenTypes: Int = 2, epsilon: Float = 1e-12) {
        self.vocabularySize = vocabularySize
        self.width = width
        self.layers = layers
        self.heads = heads
        self.intermediateSize = intermediateSize
        self.positions = positions
        self.tokenTypes = tokenTypes
        self.epsilon = epsilon
    }
}
