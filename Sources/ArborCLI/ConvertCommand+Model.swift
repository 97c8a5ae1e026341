import Arbor
import ArborCheckpoint
import ArborInterop
import ArborTensor
import Foundation
import SafeTensors

extension ConvertCommand {
    /// `--model gpt2`: loads the tensors strictly into Arbor's `GPT2` and
    /// writes DST from the model, so a successful conversion is also proof
    /// that Arbor computes with these weights — and the output is exactly
    /// what Arbor's exporter writes for any GPT2 a user trained.
    func convertThroughGPT2(_ tensors: [(name: String, tensor: Tensor)], from src: ConvertInput, to dst: URL,
                            target: Target, dtype: DType?, shardLimit: Int?) throws {
        guard let configFile = src.files.first(where: { $0.name == "config.json" }) else {
            throw ConvertError.noModelConfig(path: src.url.path)
        }
        let config = try GPT2Config(huggingFaceConfig: configFile.data, source: src.location(ofFile: "config.json"))
        let (model, _) = try HuggingFaceModelDirectory.loadGPT2(config: config, tensors: tensors,
                                                                 source: src.url.lastPathComponent)
        let sourceDType = tensors.lazy.map(\.tensor.dtype).first(where: \.isFloatingPoint) ?? .float32
        let outputDType = dtype ?? sourceDType
        let others = src.files.filter { $0.name != "config.json" }
        switch target {
        case .hf:
            let limit = shardLimit ?? src.model.map { sourceShardLimit($0, tensors) } ?? 5_000_000_000
            let result = try HuggingFaceModelDirectory.save(model, to: dst, options: .init(
                dtype: outputDType, maxShardSize: limit, baseConfig: configFile.data, extraFiles: others, force: force))
            Terminal.error("wrote Arbor's GPT2 (\(config.layers) layers, width \(config.width)) as \(result.files.count) "
                           + "file\(result.files.count == 1 ? "" : "s") (\(ByteCount.text(result.totalSize))) to \(dst.path)")
        case .arbor:
            var exported = try StateDict.export(model)
            for position in exported.indices where exported[position].tensor.dtype != outputDType {
                exported[position].tensor = try exported[position].tensor.converted(to: outputDType)
            }
            let files = [(name: "config.json",
                          data: config.huggingFaceConfig(dtype: HuggingFaceModelDirectory.torchName(outputDType),
                                                         base: configFile.data))] + others
            let items = try writeCheckpoint(exported, files: files, from: src, to: dst, mapped: true,
                                            dataFileLimit: shardLimit)
            Terminal.error("wrote Arbor's GPT2 as a checkpoint (items: \(items.joined(separator: ", "))) to \(dst.path)")
        }
    }
}
