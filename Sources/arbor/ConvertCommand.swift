import Arbor
import ArborTensor
import ArgumentParser
import Foundation
import SafeTensors

/// `arbor convert SRC DST`: renames, casts and reshards a safetensors file or
/// a Hugging Face model directory, writing DST atomically with the same kind
/// of layout (a directory stays one that `from_pretrained` loads).
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rename, cast and reshard a safetensors file or a Hugging Face model directory.",
        discussion: """
        SRC is a .safetensors file, a *.safetensors.index.json or a model directory. \
        A directory DST gets SRC's other files (config.json with its dtype updated when \
        casting), shards with {"format":"pt"} and an index when there is more than one shard. \
        DST is written next to itself under a temporary name and renamed into place.
        """
    )

    @Argument(help: "A .safetensors file, an index JSON or a Hugging Face model directory.")
    var source: String

    @Argument(help: "Where to write: a file for a file SRC, a directory otherwise.")
    var destination: String

    @Option(help: "Mapping rules: gpt2, flax, or a rule set JSON file.")
    var rules: String?

    @Flag(help: "Apply the rules in the export direction (Arbor names back to the source naming).")
    var reverse = false

    @Option(help: "Cast floating-point tensors: bf16, f16, f32 or f64.")
    var dtype: String?

    @Option(help: "Largest shard size, e.g. 2GB or 150KB (default: SRC's layout).")
    var maxShardSize: String?

    @Option(help: "Output kind: hf (safetensors / Hugging Face layout).")
    var to: String = "hf"

    @Flag(help: "Replace DST if it exists.")
    var force = false

    func run() async throws {
        try await Terminal.failing {
            try convert()
        }
    }

    private func convert() throws {
        guard to == "hf" else { throw ConvertError.unsupportedTarget(to) }
        let targetDType = try dtype.map { name throws -> DType in
            guard let value = ConvertCommand.dtype(named: name) else { throw ConvertError.unknownDType(name) }
            return value
        }
        let ruleSet = try rules.map(ConvertCommand.loadRules)
        let shardLimit = try maxShardSize.map { try ShardSize.parse($0) }
        let src = try ModelSource.open(URL(fileURLWithPath: source))
        let dst = URL(fileURLWithPath: destination)
        if FileManager.default.fileExists(atPath: dst.path), !force { throw ConvertError.destinationExists(dst.path) }

        // Read (memory-mapped), map names, cast.
        let total = src.collection.shardURLs.reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
        let progress = ProgressBar("converting", total: total)
        var tensors: [(name: String, tensor: Tensor)] = []
        for name in src.collection.names {
            let tensor = try src.collection.tensor(named: name)
            tensors.append((name, tensor))
        }
        if let ruleSet { tensors = try ruleSet.apply(tensors, direction: reverse ? .inverse : .forward) }
        for position in tensors.indices {
            if let targetDType, tensors[position].tensor.dtype.isFloatingPoint, tensors[position].tensor.dtype != targetDType {
                tensors[position].tensor = try tensors[position].tensor.converted(to: targetDType)
            }
            progress.advance(by: tensors[position].tensor.byteCount)
        }
        let metadata = src.collection.metadata ?? ["format": "pt"]

        // Write next to DST, then rename into place.
        let parent = dst.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(dst.lastPathComponent).arbor-tmp-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: staging) }
        if src.isDirectory {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            for file in src.extraFiles {
                var data = try Data(contentsOf: file)
                if file.lastPathComponent == "config.json", let targetDType {
                    data = try ModelSource.updatedConfig(data, dtype: targetDType, path: file.path)
                }
                try data.write(to: staging.appendingPathComponent(file.lastPathComponent))
            }
            let limit = shardLimit ?? (src.collection.shardURLs.count > 1 ? sourceShardLimit(src, tensors) : Int.max)
            try SafeTensorsWriter.writeSharded(tensors, to: staging, maxShardSize: limit, baseName: "model", metadata: metadata)
        } else {
            if let shardLimit {
                let bytes = tensors.reduce(0) { $0 + $1.tensor.byteCount }
                if tensors.count > 1, bytes > shardLimit {
                    throw ConvertError.fileWouldShard(dst.path, (bytes + shardLimit - 1) / shardLimit)
                }
            }
            try SafeTensorsWriter.write(tensors, metadata: metadata, to: staging)
        }
        progress.finish()
        if FileManager.default.fileExists(atPath: dst.path) {
            // --force: move the old DST aside, rename the new one in, then delete the old.
            let old = parent.appendingPathComponent(".\(dst.lastPathComponent).arbor-old-\(UUID().uuidString.prefix(8))")
            try FileManager.default.moveItem(at: dst, to: old)
            do { try FileManager.default.moveItem(at: staging, to: dst) } catch {
                try? FileManager.default.moveItem(at: old, to: dst)
                throw error
            }
            try? FileManager.default.removeItem(at: old)
        } else {
            try FileManager.default.moveItem(at: staging, to: dst)
        }
        let bytes = tensors.reduce(0) { $0 + $1.tensor.byteCount }
        Terminal.error("wrote \(tensors.count) tensors (\(ByteCount.text(bytes))) to \(dst.path)")
    }

    /// Keeps a sharded source sharded: the source's largest shard, scaled by
    /// how much the tensors grew or shrank.
    private func sourceShardLimit(_ src: ModelSource, _ tensors: [(name: String, tensor: Tensor)]) -> Int {
        let before = src.collection.names.reduce(0) { $0 + ((try? src.collection.info(named: $1).byteCount) ?? 0) }
        let after = tensors.reduce(0) { $0 + $1.tensor.byteCount }
        guard before > 0 else { return Int.max }
        return max(1, Int(Double(src.largestShardSize) * Double(after) / Double(before)))
    }

    static func dtype(named name: String) -> DType? {
        switch name.lowercased() {
        case "bf16", "bfloat16": return .bfloat16
        case "f16", "fp16", "float16": return .float16
        case "f32", "fp32", "float32": return .float32
        case "f64", "fp64", "float64": return .float64
        default: return nil
        }
    }

    static func loadRules(_ name: String) throws -> StateDictRules {
        if let builtIn = StateDictRules.builtIn[name] { return builtIn }
        let url = URL(fileURLWithPath: name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ConvertError.unknownRules(name) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ConvertError.unreadableRules(name, "cannot be read") }
        return try StateDictRules.decode(json: data, source: url.lastPathComponent)
    }
}
