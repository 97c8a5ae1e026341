import Arbor
import ArborInterop

/// The decoder `arbor generate` runs, chosen by `config.json`'s `model_type`:
/// `gpt2` (or none) loads Arbor's `GPT2`; `llama`, `qwen2` and `mistral` load `Llama`.
enum GenerativeModel {
    case gpt2(GPT2)
    case llama(Llama)

    /// Loads `directory` strictly into the model its `model_type` names.
    init(loading directory: HuggingFaceModelDirectory) throws {
        switch directory.modelType {
        case nil, "gpt2": self = .gpt2(try directory.loadGPT2().model)
        case let type? where LlamaConfig.huggingFaceModelTypes.contains(type): self = .llama(try directory.loadLlama().model)
        case let type?: throw GenerativeModelError.unsupportedModelType(type, path: directory.url.path)
        }
    }

    /// The greedy continuation and the logits at the last prompt position.
    func greedy(prompt: [Int], maxNewTokens: Int) throws -> (tokens: [Int], lastLogits: [Float]) {
        switch self {
        case let .gpt2(model): return try model.greedy(prompt: prompt, maxNewTokens: maxNewTokens)
        case let .llama(model): return try model.greedy(prompt: prompt, maxNewTokens: maxNewTokens)
        }
    }

    /// `GPT-2, 2 layers, width 64, vocab 256` for the text report.
    var summary: String {
        switch self {
        case let .gpt2(model):
            return "GPT-2, \(model.config.layers) layers, width \(model.config.width), vocab \(model.config.vocabularySize)"
        case let .llama(model):
            let c = model.config
            return "Llama, \(c.layers) layers, width \(c.width), \(c.heads)/\(c.keyValueHeads) heads, vocab \(c.vocabularySize)"
        }
    }
}

/// Why `arbor generate` cannot run a directory's model.
enum GenerativeModelError: Error, CustomStringConvertible {
    case unsupportedModelType(String, path: String)

    var description: String {
        switch self {
        case let .unsupportedModelType(type, path):
            return "\(path)/config.json: model_type \"\(type)\" is not a decoder Arbor runs "
                + "(supported: gpt2, \(LlamaConfig.huggingFaceModelTypes.joined(separator: ", ")))"
        }
    }
}
