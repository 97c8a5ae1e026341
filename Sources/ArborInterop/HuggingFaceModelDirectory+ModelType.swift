import Foundation

extension HuggingFaceModelDirectory {
    /// `config.json`'s `model_type` (`gpt2`, `llama`, `qwen2`, `bert`…), or
    /// `nil` when it has none: how a tool picks the Arbor model to load.
    public var modelType: String? {
        guard let object = try? JSONSerialization.jsonObject(with: config) as? [String: Any] else { return nil }
        return object["model_type"] as? String
    }
}
