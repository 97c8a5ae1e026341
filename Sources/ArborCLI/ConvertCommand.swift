import Arbor
import ArborCheckpoint
import ArborTensor
import ArgumentParser
import Foundation
import SafeTensors

/// `arbor convert SRC DST`: renames, casts and reshards model weights between a
/// safetensors file, a Hugging Face model directory and an Arbor checkpoint,
/// writing DST atomically with the same kind of layout as SRC unless `--to`
/// asks for the other one (a directory stays one that `from_pretrained` loads).
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rename, cast and reshard weights between safetensors, Hugging Face directories and Arbor checkpoints.",
        discussion: """
        SRC is a .safetensors file, a *.safetensors.index.json, a model directory or an Arbor \
        checkpoint (a directory holding checkpoint.json; a run directory of step_N directories \
        means its latest complete step, or --step N). DST has SRC's kind of layout unless --to says \
        otherwise.

        --model gpt2: the tensors (after --rules, with Hugging Face GPT-2 names) are loaded \
        strictly into Arbor's GPT2, sized by SRC's config.json, and DST is written from that \
        model: a directory GPT2LMHeadModel.from_pretrained loads (--to hf; the dtype of SRC \
        unless --dtype), or a checkpoint whose "model" item restores into GPT2 (--to arbor).

        --to hf: a directory DST gets SRC's other files (config.json with its dtype updated when \
        casting), shards with {"format":"pt"} and an index when there is more than one shard; a \
        checkpoint SRC writes back the files stored with it, or a single file when DST ends in \
        .safetensors.

        --to arbor: DST is a checkpoint with the State item "model" (each dotted name split on \
        "." into path keys, integer parts as index keys, every leaf a Param) and SRC's other files \
        in the JSON item "model_files"; --max-shard-size sets its largest data file. From a \
        checkpoint without --rules, leaves keep their typed paths, kinds and metadata.

        A checkpoint SRC is verified first; its item "model" (or the only State item, or --item \
        NAME) is read as a state dict: buffers included, caches and RNG state left out. DST is \
        written next to itself under a temporary name and renamed into place; an existing DST is \
        replaced only with --force.
        """
    )

    @Argument(help: "A .safetensors file, an index JSON, a Hugging Face model directory or an Arbor checkpoint.")
    var source: String

    @Argument(help: "Where to write: a file for a file SRC (or a checkpoint SRC and a *.safetensors DST), else a directory.")
    var destination: String

    @Option(help: "Mapping rules: gpt2, flax, or a rule set JSON file.")
    var rules: String?

    @Flag(help: "Apply the rules in the export direction (Arbor names back to the source naming).")
    var reverse = false

    @Option(help: "Cast floating-point tensors: bf16, f16, f32 or f64.")
    var dtype: String?

    @Option(help: "Largest shard (or checkpoint data file) size, e.g. 2GB or 150KB (default: SRC's layout).")
    var maxShardSize: String?

    @Option(help: "Output kind: hf (safetensors / Hugging Face layout) or arbor (an Arbor checkpoint). Default: SRC's kind.")
    var to: String?

    @Option(help: "The State item of a checkpoint SRC (default: \"model\", or the only State item).")
    var item: String?

    @Option(help: "The step of a checkpoint run directory SRC (default: the latest complete step).")
    var step: Int?

    @Option(help: ArgumentHelp(
        "Route the weights through an Arbor model: gpt2 loads them strictly into Arbor's GPT2 and writes what its exporter writes.",
        discussion: "The tensors (after --rules) must carry Hugging Face GPT-2 names; SRC's config.json sizes the model."))
    var model: String?

    @Flag(help: "Replace DST if it exists.")
    var force = false

    /// The output kinds `--to` names.
    enum Target: String {
        /// A safetensors file or a Hugging Face model directory.
        case hf
        /// An Arbor checkpoint directory.
        case arbor
    }

    func run() async throws {
        try await Terminal.failing {
            try convert()
        }
    }

    private func convert() throws {
        let targetDType = try dtype.map { name throws -> DType in
            guard let value = ConvertCommand.dtype(named: name) else { throw ConvertError.unknownDType(name) }
            return value
        }
        let target = try to.map { name throws -> Target in
            guard let value = Target(rawValue: name.lowercased()) else { throw ConvertError.unknownTarget(name) }
            return value
        }
        let ruleSet = try rules.map(ConvertCommand.loadRules)
        let shardLimit = try maxShardSize.map { try ShardSize.parse($0) }
        // Refuse an existing DST before verifying and reading a possibly large SRC.
        let dst = URL(fileURLWithPath: destination)
        if FileManager.default.fileExists(atPath: dst.path), !force { throw ConvertError.destinationExists(dst.path) }
        let src = try ConvertInput.open(URL(fileURLWithPath: source), item: item, step: step)

        // Read (memory-mapped), map names, cast.
        let progress = ProgressBar("converting", total: src.byteCount)
        var tensors = src.tensors
        if let ruleSet { tensors = try ruleSet.apply(tensors, direction: reverse ? .inverse : .forward) }
        if let model {
            guard model.lowercased() == "gpt2" else { throw ConvertError.unknownModel(model) }
            let resolved = target ?? (src.layout == .checkpoint ? .arbor : .hf)
            try convertThroughGPT2(tensors, from: src, to: dst, target: resolved, dtype: targetDType, shardLimit: shardLimit)
            progress.finish()
            return
        }
        for position in tensors.indices {
            if let targetDType, tensors[position].tensor.dtype.isFloatingPoint, tensors[position].tensor.dtype != targetDType {
                tensors[position].tensor = try tensors[position].tensor.converted(to: targetDType)
            }
            progress.advance(by: tensors[position].tensor.byteCount)
        }
        var files = src.files
        if let targetDType {
            for position in files.indices where files[position].name == "config.json" {
                files[position].data = try ModelSource.updatedConfig(
                    files[position].data, dtype: targetDType, path: src.location(ofFile: "config.json"))
            }
        }
        if let skipped = src.checkpoint?.skippedItems, !skipped.isEmpty {
            Terminal.error("note: not converting the items \(skipped.joined(separator: ", ")) of \(src.url.path)")
        }

        switch target ?? (src.layout == .checkpoint ? .arbor : .hf) {
        case .arbor:
            let items = try writeCheckpoint(tensors, files: files, from: src, to: dst, mapped: ruleSet != nil,
                                            dataFileLimit: shardLimit)
            progress.finish()
            Terminal.error("wrote a checkpoint of \(tensors.count) tensors (\(ByteCount.text(bytes(tensors)))) "
                           + "to \(dst.path) (items: \(items.joined(separator: ", ")))")
        case .hf:
            try writeSafeTensors(tensors, files: files, from: src, to: dst, shardLimit: shardLimit)
            progress.finish()
            Terminal.error("wrote \(tensors.count) tensors (\(ByteCount.text(bytes(tensors)))) to \(dst.path)")
        }
    }

    /// Saves `tensors` as the item `model` and `files` as `model_files` with
    /// `Checkpointer`, which stages, fsyncs and renames (and replaces DST only
    /// with `--force`); returns the item names written. A checkpoint SRC's step,
    /// metrics and user metadata are kept, and without rules (`mapped` false)
    /// its leaves keep their typed paths, kinds and metadata.
    func writeCheckpoint(_ tensors: [(name: String, tensor: Tensor)], files: [(name: String, data: Data)],
                                 from src: ConvertInput, to dst: URL, mapped: Bool, dataFileLimit: Int?) throws -> [String] {
        let state = try ConvertCommand.checkpointState(
            tensors, keeping: mapped ? nil : src.checkpoint?.leaves, destination: dst.path)
        var items: [String: CheckpointItem] = ["model": .state(state)]
        if !files.isEmpty { items[StoredModelFiles.itemName] = try .json(encoding: StoredModelFiles(files)) }
        let checkpointer = Checkpointer(maxDataFileBytes: dataFileLimit ?? Checkpointer().maxDataFileBytes)
        let original = src.checkpoint?.checkpoint.metadata
        try checkpointer.save(items, to: dst, step: original?.step ?? 0, metrics: original?.metrics ?? [:],
                              metadata: original?.metadata ?? [:], force: force)
        return items.keys.sorted()
    }

    /// Writes a safetensors file, or a model directory with `files`, shards and an
    /// index, under a temporary sibling name and renames it into place.
    private func writeSafeTensors(_ tensors: [(name: String, tensor: Tensor)], files: [(name: String, data: Data)],
                                  from src: ConvertInput, to dst: URL, shardLimit: Int?) throws {
        let asDirectory = switch src.layout {
        case .file: false
        case .directory: true
        case .checkpoint: dst.pathExtension != "safetensors"
        }
        let metadata = src.model?.collection.metadata ?? ["format": "pt"]
        if asDirectory {
            let limit = shardLimit ?? src.model.map { sourceShardLimit($0, tensors) } ?? Int.max
            try AtomicDirectory.write(to: dst, replacing: force) { staging in
                for (name, data) in files {
                    try AtomicFile.write([UInt8](data), to: staging.appendingPathComponent(name))
                }
                try SafeTensorsWriter.writeSharded(tensors, to: staging, maxShardSize: limit, baseName: "model",
                                                   metadata: metadata)
            }
        } else {
            if let shardLimit {
                let total = bytes(tensors)
                if tensors.count > 1, total > shardLimit {
                    throw ConvertError.fileWouldShard(dst.path, (total + shardLimit - 1) / shardLimit)
                }
            }
            if !files.isEmpty {
                Terminal.error("note: \(dst.lastPathComponent) is one file, so the stored files "
                               + "\(files.map(\.name).joined(separator: ", ")) are not written; give a directory DST to keep them")
            }
            // AtomicFile writes a temporary sibling and renames it over DST.
            try SafeTensorsWriter.write(tensors, metadata: metadata, to: dst)
        }
    }

    /// Keeps a sharded source sharded: the source's largest shard, scaled by
    /// how much the tensors grew or shrank; a single-file source stays one file.
    func sourceShardLimit(_ src: ModelSource, _ tensors: [(name: String, tensor: Tensor)]) -> Int {
        guard src.collection.shardURLs.count > 1 else { return Int.max }
        let before = src.collection.names.reduce(0) { $0 + ((try? src.collection.info(named: $1).byteCount) ?? 0) }
        let after = bytes(tensors)
        guard before > 0 else { return Int.max }
        return max(1, Int(Double(src.largestShardSize) * Double(after) / Double(before)))
    }

    /// Total bytes of `tensors`.
    private func bytes(_ tensors: [(name: String, tensor: Tensor)]) -> Int {
        tensors.reduce(0) { $0 + $1.tensor.byteCount }
    }

    /// The `--dtype` spellings.
    static func dtype(named name: String) -> DType? {
        switch name.lowercased() {
        case "bf16", "bfloat16": return .bfloat16
        case "f16", "fp16", "float16": return .float16
        case "f32", "fp32", "float32": return .float32
        case "f64", "fp64", "float64": return .float64
        default: return nil
        }
    }

    /// A built-in rule set by name, or one read from a JSON file.
    static func loadRules(_ name: String) throws -> StateDictRules {
        if let builtIn = StateDictRules.builtIn[name] { return builtIn }
        let url = URL(fileURLWithPath: name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ConvertError.unknownRules(name) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ConvertError.unreadableRules(name, "cannot be read") }
        return try StateDictRules.decode(json: data, source: url.lastPathComponent)
    }
}
