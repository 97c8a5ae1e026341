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
        let routed = RoutedModel(
            summary: "GPT2 (\(config.layers) layers, width \(config.width))",
            config: { config.huggingFaceConfig(dtype: $0, base: configFile.data) },
            save: { try HuggingFaceModelDirectory.save(model, to: $0, options: $1) },
            export: { try StateDict.export(model) })
        var written = try write(routed, configFile: configFile, tensors: tensors, from: src, layout: layout)
        written.gpt2Config = config
        return written
    }
}
