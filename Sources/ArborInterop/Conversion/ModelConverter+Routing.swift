import Arbor
import ArborTensor
import Foundation
import SafeTensors

extension ModelConverter {
    /// A model loaded from the source, with what writing it needs: how to
    /// save it as a directory, export it for a checkpoint, and make its
    /// `config.json` for a dtype name.
    struct RoutedModel {
        /// For the report: `Llama (2 layers, width 32)`.
        var summary: String
        /// `config.json` for a PyTorch dtype name, from the source's config.
        var config: (String) -> Data
        /// Writes the model as a Hugging Face directory.
        var save: (URL, HuggingFaceModelDirectory.SaveOptions) throws -> ShardedWriteResult
        /// The model's tensors under Arbor's names (for a checkpoint).
        var export: () throws -> StateDict
        /// Source tensors left out (a task model's heads).
        var ignored: [String] = []
    }

    /// `options.model` set: loads the tensors strictly into that Arbor model
    /// (sized by the source's `config.json`) and writes what its exporter
    /// writes, so a successful conversion proves Arbor computes with them.
    func convert(_ tensors: StateDict, through model: Model, from src: ConversionInput, layout: Layout) throws -> Result {
        guard let configFile = src.files.first(where: { $0.name == "config.json" }) else {
            throw ModelConverterError.noModelConfig(path: src.url.path)
        }
        let location = src.location(ofFile: "config.json")
        let source = src.url.lastPathComponent
        let routed: RoutedModel
        switch model {
        case .gpt2:
            return try convertThroughGPT2(tensors, from: src, layout: layout)
        case .llama, .qwen2:
            let config = try LlamaConfig(huggingFaceConfig: configFile.data, source: location)
            if config.queryKeyValueBias != (model == .qwen2) {
                throw ModelConverterError.optionNotApplicable(
                    option: "--model \(model.rawValue)",
                    reason: "\(location) describes a \(config.queryKeyValueBias ? "qwen2" : "llama") model; "
                        + "use --model \(config.queryKeyValueBias ? "qwen2" : "llama")")
            }
            let (llama, _) = try HuggingFaceModelDirectory.loadLlama(config: config, tensors: tensors, source: source)
            routed = RoutedModel(
                summary: "Llama (\(config.layers) layers, width \(config.width))",
                config: { config.huggingFaceConfig(dtype: $0, base: configFile.data) },
                save: { try HuggingFaceModelDirectory.save(llama, to: $0, options: $1) },
                export: { try StateDict.export(llama) })
        case .bert:
            let config = try BERTConfig(huggingFaceConfig: configFile.data, source: location)
            let (bert, _, heads) = try HuggingFaceModelDirectory.loadBERT(config: config, tensors: tensors, source: source)
            routed = RoutedModel(
                summary: "BERT (\(config.layers) layers, width \(config.width))",
                config: { config.huggingFaceConfig(dtype: $0, base: configFile.data) },
                save: { try HuggingFaceModelDirectory.save(bert, to: $0, options: $1) },
                export: { try StateDict.export(bert) }, ignored: heads)
        }
        return try write(routed, configFile: configFile, tensors: tensors, from: src, layout: layout)
    }

    /// Writes a routed model in `layout`: a directory its exporter writes (in
    /// the source's dtype unless `options.dtype`, sharded as the source unless
    /// `options.maxShardSize`), or a checkpoint of its tensors with its config.
    func write(_ routed: RoutedModel, configFile: ModelFile, tensors: StateDict, from src: ConversionInput,
               layout: Layout) throws -> Result {
        let sourceDType = tensors.lazy.map(\.tensor.dtype).first(where: \.isFloatingPoint) ?? .float32
        let outputDType = options.dtype ?? sourceDType
        let others = src.files.filter { $0.name != "config.json" }
        var written: Result
        switch layout {
        case .huggingFace, .singleFile:
            let limit = options.maxShardSize ?? src.model.map { Self.sourceShardLimit($0, tensors) } ?? 5_000_000_000
            let saved = try routed.save(destination, .init(dtype: outputDType, maxShardSize: limit,
                                                           baseConfig: configFile.data, extraFiles: others,
                                                           force: options.force))
            written = result(.huggingFace, from: src, tensors: tensors)
            written.weightFiles = saved.files
            written.byteCount = saved.totalSize
        case .checkpoint:
            let exported = try routed.export().castingFloatingPoint(to: outputDType)
            let config = routed.config(try HuggingFaceModelDirectory.torchName(outputDType))
            written = try writeCheckpoint(exported, files: [(name: "config.json", data: config)] + others,
                                          from: src, mapped: true)
        }
        written.routedModel = routed.summary
        written.ignoredTensors = routed.ignored
        return written
    }
}
