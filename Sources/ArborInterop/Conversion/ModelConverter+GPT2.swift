import Arbor
import ArborTensor
import Foundation
import SafeTensors

extension ModelConverter {
    /// `model: .gpt2`: loads the tensors strictly into Arbor's `GPT2` and
    /// writes the destination from the model, so a successful conversion is also
    /// proof that Arbor computes with these weights — and the output is exactly
    /// what Arbor's exporter writes for any GPT2 a user trained.
    func convertThroughGPT2(_ tensors: StateDict, from src: ConversionInput, layout: Layout) throws -> Result {
        guard let configFile = src.files.first(where: { $0.name == "config.json" }) else {
            throw ModelConverterError.noModelConfig(path: src.url.path)
        }
        let config = try GPT2Config(huggingFaceConfig: configFile.data, source: src.location(ofFile: "config.json"))
        try config.checkFitsInMemory(source: src.location(ofFile: "config.json"))
        let (model, _) = try HuggingFaceModelDirectory.loadGPT2(config: config, tensors: tensors,
                                                                 source: src.url.lastPathComponent)
        let sourceDType = tensors.lazy.map(\.tensor.dtype).first(where: \.isFloatingPoint) ?? .float32
        let outputDType = options.dtype ?? sourceDType
        let others = src.files.filter { $0.name != "config.json" }
        var written: Result
        switch layout {
        case .huggingFace, .singleFile:
            let limit = options.maxShardSize ?? src.model.map { Self.sourceShardLimit($0, tensors) } ?? 5_000_000_000
            let saved = try HuggingFaceModelDirectory.save(model, to: destination, options: .init(
                dtype: outputDType, maxShardSize: limit, baseConfig: configFile.data, extraFiles: others,
                force: options.force))
            written = result(.huggingFace, from: src, tensors: tensors)
            written.weightFiles = saved.files
            written.byteCount = saved.totalSize
        case .checkpoint:
            let exported = try StateDict.export(model).castingFloatingPoint(to: outputDType)
            let files = [(name: "config.json",
                          data: config.huggingFaceConfig(dtype: try HuggingFaceModelDirectory.torchName(outputDType),
                                                         base: configFile.data))] + others
            written = try writeCheckpoint(exported, files: files, from: src, mapped: true)
        }
        written.gpt2Config = config
        return written
    }
}
