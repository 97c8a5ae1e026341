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
        guard !prompt.isEmpty else { throw .emptyPrompt }
        for (position, token) in prompt.enumerated() where !(0..<config.vocabularySize).contains(token) {
            throw .tokenOutOfRange(position: position, token: token, vocabularySize: config.vocabularySize)
        }
        let steps = max(0, maxNewTokens)
        // Checked: `maxNewTokens` comes from the command line and may be Int.max.
        // The last new token is predicted, never fed back, so it needs no position.
        let (needed, overflow) = prompt.count.addingReportingOverflow(max(steps, 1) - 1)
        guard !overflow, needed <= config.positions else {
            throw .tooLong(promptTokens: prompt.count, newTokens: steps, positions: config.positions)
        }
        let promptLogits = nextTokenLogits(prompt)
        var sequence = prompt
        var logits = promptLogits
        for step in 0..<steps {
            if step > 0 { logits = nextTokenLogits(sequence) }
            var best = 0
            for token in logits.indices where logits[token] > logits[best] { best = token }
            sequence.append(best)
        }
        return (Array(sequence[prompt.count...]), promptLogits)
    }

    /// Logits `[vocab]` at the last position of `tokens` (batch of one).
    private func nextTokenLogits(_ tokens: [Int]) -> [Float] {
        let ids = Tensor(tokens.map { Int64($0) }, shape: [1, tokens.count])
        let last = hidden(ids).sliced(alongAxis: 1, (tokens.count - 1)..<tokens.count)
        return wte.attend(last).scalars(as: Float.self)
    }
}
