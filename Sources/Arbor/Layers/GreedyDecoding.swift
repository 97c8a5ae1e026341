/// The greedy loop `GPT2.greedy` and `Llama.greedy` share: check the prompt,
/// then append the argmax of each step's last-position logits (ties to the
/// lowest id, as `torch.argmax`), rerunning the whole sequence each step.
enum GreedyDecoding {
    /// The new tokens and the logits at the last prompt position; `nextLogits`
    /// gives the last position's logits for a sequence.
    static func run(prompt: [Int], maxNewTokens: Int, vocabularySize: Int, positions: Int,
                    nextLogits: ([Int]) -> [Float]) throws(GPT2GenerationError) -> (tokens: [Int], lastLogits: [Float]) {
        guard !prompt.isEmpty else { throw .emptyPrompt }
        for (position, token) in prompt.enumerated() where !(0..<vocabularySize).contains(token) {
            throw .tokenOutOfRange(position: position, token: token, vocabularySize: vocabularySize)
        }
        let steps = max(0, maxNewTokens)
        let (needed, overflow) = prompt.count.addingReportingOverflow(max(steps, 1) - 1)
        guard !overflow, needed <= positions else {
            throw .tooLong(promptTokens: prompt.count, newTokens: steps, positions: positions)
        }
        let promptLogits = nextLogits(prompt)
        var sequence = prompt
        var logits = promptLogits
        for step in 0..<steps {
            if step > 0 { logits = nextLogits(sequence) }
            var best = 0
            for token in logits.indices where logits[token] > logits[best] { best = token }
            sequence.append(best)
        }
        return (Array(sequence[prompt.count...]), promptLogits)
    }
}
