import ArborTensor

/// BERT's input embeddings, named as Hugging Face's `BertEmbeddings`: the sum
/// of `word_embeddings`, `position_embeddings` (absolute, from 0) and
/// `token_type_embeddings`, then `LayerNorm`.
public final class BERTEmbeddings: Module {
    /// `[vocab, width]`.
    public let word_embeddings: Embedding
    /// `[positions, width]`.
    public let position_embeddings: Embedding
    /// `[tokenTypes, width]`.
    public let token_type_embeddings: Embedding
    /// Norm after the sum.
    public let LayerNorm: Arbor.LayerNorm

    /// Embeddings for `config`.
    public init(_ config: BERTConfig, key: RandomKey) {
        let keys = key.split(3)
        word_embeddings = Embedding(config.vocabularySize, config.width, std: 0.02, key: keys[0])
        position_embeddings = Embedding(config.positions, config.width, std: 0.02, key: keys[1])
        token_type_embeddings = Embedding(config.tokenTypes, config.width, std: 0.02, key: keys[2])
        LayerNorm = Arbor.LayerNorm(config.width, epsilon: config.epsilon)
    }

    /// `[batch, time, width]` for token ids and token types `[batch, time]`.
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor) -> Tensor {
        let positions = Tensor((0..<ids.shape[1]).map { Int64($0) })
        return LayerNorm(word_embeddings(ids) + position_embeddings(positions) + token_type_embeddings(tokenTypes))
    }
}
