/// Why `GPT2.greedy` refused a prompt, naming the token or length at fault.
public enum GPT2GenerationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The prompt has no tokens.
    case emptyPrompt
    /// A token id is not a row of `wte`.
    case tokenOutOfRange(position: Int, token: Int, vocabularySize: Int)
    /// Prompt plus new tokens exceed the position table.
    case tooLong(promptTokens: Int, newTokens: Int, positions: Int)

    /// One line saying what to change.
    public var description: String {
        switch self {
        case .emptyPrompt:
            return "the prompt is empty; give at least one token id"
        case let .tokenOutOfRange(position, token, vocabularySize):
            return "token \(token) at position \(position) is outside the vocabulary (0..<\(vocabularySize))"
        case let .tooLong(prompt, new, positions):
            // Checked: `new` may be any count a user typed.
            let (needed, overflow) = prompt.addingReportingOverflow(Swift.max(new, 1) - 1)
            let positionsNeeded = overflow ? "more than \(Int.max)" : "\(needed)"
            let (room, below) = positions.subtractingReportingOverflow(prompt)
            let most = below || room < 0 ? 0 : room.addingReportingOverflow(1).overflow ? room : room + 1
            return "\(prompt) prompt tokens + \(new) new tokens need \(positionsNeeded) positions; the model has "
                + "\(positions) (context length), so at most \(most) new tokens for this prompt"
        }
    }
}
