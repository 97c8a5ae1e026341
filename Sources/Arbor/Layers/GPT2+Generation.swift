import ArborTensor

extension GPT2 {
    /// The greedy continuation of `prompt` (what `transformers`'
    /// `generate(do_sample=False)` returns, so a converted model can be checked
    /// token for token) and the logits at the last prompt position.
    ///
    /// Each step runs the whole sequence again (no key/value cache): simple
    /// and exact, and fast enough for checking models, not for serving them.
    /// Ties go to the lowest token id, as `torch.argmax` does.
    public func greedy(prompt: [Int], maxNewTokens: Int) throws(GPT2GenerationError)
        -> (tokens: [Int], lastLogits: [Float]) {
        try GreedyDecoding.run(prompt: prompt, maxNewTokens: maxNewTokens, vocabularySize: config.vocabularySize,
                               positions: config.positions, nextLogits: nextTokenLogits)
    }

    /// Logits `[vocab]` at the last position of `tokens` (batch of one).
    private func nextTokenLogits(_ tokens: [Int]) -> [Float] {
        let ids = Tensor(tokens.map { Int64($0) }, shape: [1, tokens.count])
        let last = hidden(ids).sliced(alongAxis: 1, (tokens.count - 1)..<tokens.count)
        return wte.attend(last).scalars(as: Float.self)
    }
}
