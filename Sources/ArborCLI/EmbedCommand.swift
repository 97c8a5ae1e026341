import Arbor
import ArborInterop
import ArborTensor
import ArgumentParser
import Foundation

/// `arbor embed MODEL_DIR --tokens 2,17,42,3`: loads a Hugging Face BERT
/// directory into Arbor's `BERT` and prints `last_hidden_state` and
/// `pooler_output` for one sequence — to compare with `BertModel` in transformers.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "BERT hidden states and pooler output of token ids, from a Hugging Face model directory.",
        discussion: """
        MODEL_DIR holds a BertModel (or a task model, whose bert.-prefixed encoder is used and \
        whose heads are left out, with a note) as config.json and safetensors weights; f32, f16 \
        and bf16 weights are computed in f32. With --json the output is \
        {"last_hidden_state": [[one row of hidden_size per token]], "pooler_output": [hidden_size]} \
        for the one sequence given, as transformers' outputs[0][0] and outputs[1][0].
        """
    )

    @Argument(help: "A Hugging Face BERT model directory.")
    var modelDirectory: String

    @Option(help: "Token ids, comma-separated (e.g. 2,17,42,3).")
    var tokens: String

    @Option(help: "Token type (segment) ids, comma-separated, one per token (default: all 0).")
    var tokenTypes: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Terminal.failing {
            let ids = try GenerateCommand.parseTokens(tokens)
            let types = try tokenTypes.map(GenerateCommand.parseTokens) ?? Array(repeating: 0, count: ids.count)
            let directory = try HuggingFaceModelDirectory(opening: URL(fileURLWithPath: modelDirectory))
            let (model, _, heads) = try directory.loadBERT()
            if !heads.isEmpty {
                Terminal.error("note: using the bert. encoder; not loading the heads \(heads.joined(separator: ", "))")
            }
            try Self.check(ids: ids, types: types, config: model.config)
            let out = model(Tensor(ids.map(Int64.init), shape: [1, ids.count]),
                            tokenTypes: Tensor(types.map(Int64.init), shape: [1, ids.count]))
            let width = model.config.width
            let hidden = out.lastHiddenState.scalars(as: Float.self)
            let rows = (0..<ids.count).map { Array(hidden[($0 * width)..<(($0 + 1) * width)]) }
            let pooled = out.poolerOutput.scalars(as: Float.self)
            if output.json {
                func list(_ values: [Float]) -> String { "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]" }
                print("{\"last_hidden_state\":[\(rows.map(list).joined(separator: ","))],\"pooler_output\":\(list(pooled))}")
            } else {
                let c = model.config
                print("model: \(directory.url.path) (BERT, \(c.layers) layers, width \(c.width), vocab \(c.vocabularySize))")
                print("last_hidden_state: [\(ids.count), \(width)]")
                func head(_ values: [Float]) -> String {
                    values.prefix(4).map { String(format: "%.5f", $0) }.joined(separator: " ") + (values.count > 4 ? " …" : "")
                }
                for (position, row) in rows.enumerated() { print("  \(position) (token \(ids[position])): \(head(row))") }
                print("pooler_output: [\(width)] \(head(pooled))")
            }
        }
    }

    /// Refuses ids outside the tables and sequences longer than the position table.
    static func check(ids: [Int], types: [Int], config: BERTConfig) throws {
        if types.count != ids.count { throw EmbedError.typeCount(types.count, ids.count) }
        if ids.isEmpty { throw EmbedError.empty }
        if ids.count > config.positions { throw EmbedError.tooLong(ids.count, config.positions) }
        if let bad = ids.first(where: { $0 >= config.vocabularySize }) { throw EmbedError.outOfRange("--tokens", bad, config.vocabularySize) }
        if let bad = types.first(where: { $0 >= config.tokenTypes }) { throw EmbedError.outOfRange("--token-types", bad, config.tokenTypes) }
    }
}

/// Why `arbor embed` refused its options.
enum EmbedError: Error, CustomStringConvertible {
    case typeCount(Int, Int)
    case empty
    case tooLong(Int, Int)
    case outOfRange(String, Int, Int)

    var description: String {
        switch self {
        case let .typeCount(types, ids): return "--token-types has \(types) ids for \(ids) tokens; give one per token"
        case .empty: return "--tokens is empty; give at least one token id"
        case let .tooLong(count, positions): return "--tokens has \(count) ids; the model has \(positions) positions"
        case let .outOfRange(option, value, count): return "\(option): \(value) is outside 0..<\(count)"
        }
    }
}
