import Arbor
import ArborCheckpoint
import ArborInterop
import ArborTensor
import Foundation
import SafeTensors

/// One parser of untrusted input, driven with arbitrary bytes.
///
/// Each target feeds the bytes to the parser exactly as a file from disk would
/// reach it and then exercises what a caller does next with a successful parse,
/// so a crash, hang or leak anywhere on that road is found. Errors are the
/// expected outcome for almost every input and are ignored.
enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensorsHeader = "safetensors-header"
    case shardIndex = "shard-index"
    case checkpointJSON = "checkpoint-json"
    case treeJSON = "tree-json"
    case rules
    case huggingFaceConfig = "hf-config"
    case pytorchPickle = "pytorch-pickle"
    case pytorchZip = "pytorch-zip"

    /// Runs the target once on `bytes`.
    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .safetensorsHeader:
            guard let header = try? SafeTensorsHeader(fileBytes: bytes, file: "fuzz.safetensors") else { return }
            for name in header.names.prefix(64) { _ = header.info(named: name) }
        case .shardIndex:
            guard let index = try? ShardIndex(json: Array(bytes), file: "fuzz.index.json") else { return }
            _ = index == index
        case .checkpointJSON:
            guard let metadata = try? CheckpointMetadata.decode(Data(bytes), path: "checkpoint.json") else { return }
            _ = try? metadata.encoded()
        case .treeJSON:
            _ = try? TreeFile.abstractState(decoding: Data(bytes), path: "tree.json")
        case .rules:
            guard let rules = try? StateDictRules.decode(json: Data(bytes), source: "rules.json") else { return }
            // A rule set is applied to every tensor name of a model: drive it with a
            // few realistic names so matching itself is fuzzed, not just parsing.
            let tensor = Tensor([0] as [Float])
            guard let names = try? StateDict(FuzzTarget.sampleNames.map { ($0, tensor) }) else { return }
            _ = try? rules.apply(names)
        case .huggingFaceConfig:
            _ = try? GPT2Config(huggingFaceConfig: Data(bytes), source: "config.json")
        case .pytorchPickle:
            // A state dict's data.pkl: what the pickle reader builds, then each record's view checked.
            guard let records = try? PyTorchFile.records(pickle: bytes, file: "data.pkl") else { return }
            for (_, record) in records.prefix(64) { _ = record.isContiguous }
        case .pytorchZip:
            guard let archive = try? ZipArchive(bytes: bytes, file: "fuzz.bin") else { return }
            for entry in archive.entries.prefix(64) { _ = try? archive.dataRange(of: entry, in: bytes) }
        }
    }

    /// Tensor names of the kinds rule sets meet.
    static let sampleNames = [
        "transformer.h.0.attn.c_attn.weight", "transformer.wte.weight", "lm_head.weight",
        "model.layers.11.self_attn.q_proj.bias", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ]
}
