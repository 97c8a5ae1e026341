import Arbor
import ArborTensor
import Foundation
import SafeTensors

extension HuggingFaceModelDirectory {
    /// The `BERTConfig` that `config.json` describes.
    public func bertConfig() throws(HuggingFaceError) -> BERTConfig {
        do {
            return try BERTConfig(huggingFaceConfig: config, source: url.appendingPathComponent("config.json").path)
        } catch { throw .architectureConfig(error) }
    }

    /// Loads a `BertModel` directory, or the encoder of a task model
    /// (`BertForSequenceClassification`, …, whose encoder names start with
    /// `bert.`), into Arbor's `BERT`, casting bf16/f16 weights to f32.
    /// `ignoredHeads` lists the task model's other tensors (its heads), which
    /// are not loaded. Strict and lenient as `loadLlama`.
    public func loadBERT(strict: Bool = true) throws(HuggingFaceError)
        -> (model: BERT, report: StateDictLoadReport, ignoredHeads: [String]) {
        try Self.loadBERT(config: try bertConfig(), tensors: try tensors(), source: url.lastPathComponent, strict: strict)
    }

    /// `loadBERT` for weights not in a directory.
    public static func loadBERT(config: BERTConfig, tensors: StateDict, source: String, strict: Bool = true)
        throws(HuggingFaceError) -> (model: BERT, report: StateDictLoadReport, ignoredHeads: [String]) {
        let (encoder, heads) = bertEncoderTensors(tensors)
        let (model, report) = try load({ BERT(config, key: RandomKey(seed: 0)) }, rules: .bert, tensors: encoder,
                                       source: source, strict: strict)
        return (model, report, heads)
    }

    /// A task model's encoder tensors without the `bert.` prefix and the
    /// names of the rest (its heads); a plain `BertModel` dict unchanged.
    static func bertEncoderTensors(_ tensors: StateDict) -> (encoder: StateDict, heads: [String]) {
        let prefix = "bert."
        guard tensors.contains(where: { $0.name.hasPrefix(prefix) }) else { return (tensors, []) }
        let heads = tensors.filter { !$0.name.hasPrefix(prefix) }.map(\.name)
        let encoder = tensors.filter { $0.name.hasPrefix(prefix) }
            .map { entry in (name: String(entry.name.dropFirst(prefix.count)), tensor: entry.tensor) }
        return ((try? StateDict(encoder)) ?? StateDict(), heads)
    }

    /// Writes `model` as a directory `BertModel.from_pretrained` loads with no
    /// missing or unexpected keys, in `save_pretrained`'s order; atomic.
    @discardableResult
    public static func save(_ model: BERT, to url: URL, options: SaveOptions = SaveOptions())
        throws(HuggingFaceError) -> ShardedWriteResult {
        if FileManager.default.fileExists(atPath: url.path), !options.force { throw .destinationExists(path: url.path) }
        let config = model.config.huggingFaceConfig(dtype: try torchName(options.dtype), base: options.baseConfig)
        let tensors = try exported(model, rules: .bert, dtype: options.dtype, path: url.path) {
            declarationOrder($0, sections: ["embeddings.word_embeddings", "embeddings.position_embeddings",
                                            "embeddings.token_type_embeddings", "embeddings.LayerNorm",
                                            "encoder.layer", "pooler.dense"],
                             modules: ["attention.self.query", "attention.self.key", "attention.self.value",
                                       "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
                                       "output.dense", "output.LayerNorm"])
        }
        return try write(tensors, config: config, to: url, options: options)
    }
}
