import ArborTensor

extension Llama {
    /// The greedy continuation of `prompt` (what `transformers`'
    /// `generate(do_sample=False)` returns) and the logits at the last prompt
    /// position; ties go to the lowest token id. Like `GPT2.greedy`, each step
    /// reruns the whole sequence (no key/value cache): for checking converted
    /// models, not for serving. Sequences may not exceed `config.positions`.
    public func greedy(prompt: [Int], maxNewTokens: Int) throws(GPT2GenerationError)
        -> (tokens: [Int], lastLogits: [Float]) {
        try GreedyDecoding.run(prompt: prompt, maxNewTokens: maxNewTokens, vocabularySize: config.vocabularySize,
                               positions: config.positions) { tokens in
            let ids = Tensor(tokens.map { Int64($0) }, shape: [1, tokens.count])
            let last = hidden(ids).sliced(alongAxis: 1, (tokens.count - 1)..<tokens.count)
            return logits(last).scalars(as: Float.self)
        }
    }
}
