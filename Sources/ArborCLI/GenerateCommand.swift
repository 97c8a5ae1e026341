import Arbor
import ArborInterop
import ArgumentParser
import Foundation

/// `arbor generate MODEL_DIR --tokens 5,17,42`: loads a Hugging Face GPT-2 or
/// Llama-family directory into Arbor's `GPT2` or `Llama` and prints the greedy continuation — the
/// quickest check that a converted model computes what PyTorch computes.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Greedy continuation of token ids (GPT-2, Llama, Qwen2, Mistral), from a Hugging Face model directory.",
        discussion: """
        config.json's model_type picks the model: gpt2, llama, qwen2 or mistral (no sliding \
        window). MODEL_DIR holds config.json and model.safetensors, or shards with \
        model.safetensors.index.json; f32, f16 and bf16 weights are computed in f32. \
        With --json the output is {"tokens": [new token ids], "last_logits": [logits at \
        the last prompt position]}, to compare with transformers' \
        generate(do_sample=False) and its logits.
        """
    )

    @Argument(help: "A Hugging Face GPT-2, Llama, Qwen2 or Mistral model directory.")
    var modelDirectory: String

    @Option(help: "Prompt token ids, comma-separated (e.g. 5,17,42).")
    var tokens: String

    @Option(help: "How many tokens to generate.")
    var maxNewTokens: Int = 8

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Terminal.failing {
            let prompt = try Self.parseTokens(tokens)
            guard maxNewTokens >= 0 else { throw GenerateError.negativeCount(maxNewTokens) }
            let directory = try HuggingFaceModelDirectory(opening: URL(fileURLWithPath: modelDirectory))
            let model = try GenerativeModel(loading: directory)
            let (generated, lastLogits) = try model.greedy(prompt: prompt, maxNewTokens: maxNewTokens)
            if output.json {
                let logits = lastLogits.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",")
                print("{\"tokens\":[\(generated.map(String.init).joined(separator: ","))],\"last_logits\":[\(logits)]}")
            } else {
                let dtypes = directory.weights.dtypes.map(\.safetensorsName).sorted().joined(separator: ", ")
                let files = directory.weights.fileURLs.count
                print("model: \(directory.url.path) (\(model.summary); \(dtypes) weights in \(files) file\(files == 1 ? "" : "s"))")
                print("prompt:    \(prompt.map(String.init).joined(separator: " "))")
                print("generated: \(generated.map(String.init).joined(separator: " "))")
            }
        }
    }

    /// `5,17,42` (spaces allowed) as token ids, or an error naming the bad part.
    static func parseTokens(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var result: [Int] = []
        for part in parts {
            guard let value = Int(part), value >= 0 else { throw GenerateError.badToken(text, part) }
            result.append(value)
        }
        return result
    }
}

/// Why `arbor generate` refused its options.
enum GenerateError: Error, CustomStringConvertible {
    case badToken(String, String)
    case negativeCount(Int)

    var description: String {
        switch self {
        case let .badToken(text, part): return "--tokens \(text): \"\(part)\" is not a token id (use e.g. 5,17,42)"
        case let .negativeCount(count): return "--max-new-tokens \(count): must be 0 or more"
        }
    }
}
