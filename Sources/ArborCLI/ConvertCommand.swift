import Arbor
import ArborInterop
import ArborTensor
import ArgumentParser
import Foundation
import SafeTensors

/// `arbor convert SRC DST`: renames, casts and reshards model weights between a
/// safetensors file, a Hugging Face model directory and an Arbor checkpoint,
/// writing DST atomically with the same kind of layout as SRC unless `--to`
/// asks for the other one (a directory stays one that `from_pretrained` loads).
/// The work is `ModelConverter`'s; this parses the options and prints.
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rename, cast and reshard weights between safetensors, Hugging Face directories and Arbor checkpoints.",
        discussion: """
        SRC is a .safetensors file, a *.safetensors.index.json, a model directory, a PyTorch \
        .bin/.pt/.pth state dict or pytorch_model.bin.index.json (read without running its pickle; \
        each tensor written with its own bytes, views made contiguous) or an Arbor checkpoint (a directory holding checkpoint.json; a run directory of step_N directories \
        means its latest complete step, or --step N). DST has SRC's kind of layout unless --to says \
        otherwise.

        --model gpt2|llama|qwen2|bert: the tensors (after --rules, with that model's Hugging Face \
        names) are loaded strictly into Arbor's GPT2, Llama (llama and mistral configs; qwen2) \
        or BERT (a task model's bert. encoder; its heads are left out), sized by SRC's \
        config.json, and DST is written from that model: a directory from_pretrained loads \
        (--to hf; the dtype of SRC unless --dtype), or a checkpoint whose "model" item restores \
        into that model (--to arbor).

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

    @Option(help: "Cast floating-point tensors (also bfloat16, float16, float32, float64, torch.float16…).")
    var dtype: CastDType?

    @Option(help: "Largest shard (or checkpoint data file) size, e.g. 2GB or 150KB (default: SRC's layout).")
    var maxShardSize: String?

    @Option(help: "Output kind: hf (safetensors / Hugging Face layout) or arbor (an Arbor checkpoint). Default: SRC's kind.")
    var to: Target?

    @Option(help: "The State item of a checkpoint SRC (default: \"model\", or the only State item).")
    var item: String?

    @Option(help: "The step of a checkpoint run directory SRC (default: the latest complete step).")
    var step: Int?

    @Option(help: ArgumentHelp(
        "Route the weights through an Arbor model (gpt2, llama, qwen2, bert): load them strictly and write what its exporter writes.",
        discussion: "The tensors (after --rules) must carry that model's Hugging Face names; SRC's config.json sizes the model."))
    var model: ModelConverter.Model?

    @Flag(help: "Replace DST if it exists.")
    var force = false

    /// The output kinds `--to` names (any case).
    enum Target: String, CaseIterable, ExpressibleByArgument {
        /// A safetensors file or a Hugging Face model directory.
        case hf
        /// An Arbor checkpoint directory.
        case arbor

        init?(argument: String) { self.init(rawValue: argument.lowercased()) }

        /// The layout written for `source`: hf keeps a file a file and a directory
        /// a directory; from a checkpoint it is a directory unless DST ends in `.safetensors`.
        func layout(for source: ModelConverter.Source, destination: URL) -> ModelConverter.Layout {
            switch (self, source.kind) {
            case (.arbor, _): return .checkpoint
            case (.hf, .safetensorsFile): return .singleFile
            case (.hf, .huggingFaceDirectory): return .huggingFace
            case (.hf, .checkpoint): return destination.pathExtension == "safetensors" ? .singleFile : .huggingFace
            }
        }
    }

    /// The dtypes `--dtype` casts to, in any spelling `DType(parsing:)` reads.
    enum CastDType: String, CaseIterable, ExpressibleByArgument {
        case bf16, f16, f32, f64

        init?(argument: String) {
            guard let parsed = DType(parsing: argument),
                  let match = Self.allCases.first(where: { $0.dtype == parsed }) else { return nil }
            self = match
        }

        /// The dtype named.
        var dtype: DType { DType(parsing: rawValue) ?? .float32 }
    }

    func validate() throws {
        if reverse, rules == nil { throw ValidationError("--reverse applies --rules in the export direction; give --rules") }
        if let step, step < 0 { throw ValidationError("--step \(step): a step is a non-negative number") }
        if let maxShardSize {
            do { _ = try ShardSize.parse(maxShardSize) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() async throws {
        try await Terminal.failing {
            try convert()
        }
    }

    private func convert() throws {
        let ruleSet = try rules.map(StateDictRules.named)
        let shardLimit = try maxShardSize.map { try ShardSize.parse($0) }
        let dst = URL(fileURLWithPath: destination)
        let src = try ModelConverter.Source(URL(fileURLWithPath: source), item: item, step: step)
        let converter = ModelConverter(source: src, destination: dst, options: .init(
            layout: to?.layout(for: src, destination: dst), rules: ruleSet, reverse: reverse, dtype: dtype?.dtype,
            maxShardSize: shardLimit, model: model, force: force))
        var bar: ProgressBar?
        var shown = 0
        let result = try converter.convert { progress in
            if bar == nil { bar = ProgressBar("converting", total: progress.totalBytes) }
            bar?.advance(by: progress.completedBytes - shown)
            shown = progress.completedBytes
        }
        bar?.finish()
        report(result)
    }

    /// The notes and the one-line summary on standard error.
    private func report(_ result: ModelConverter.Result) {
        if !result.skippedItems.isEmpty {
            Terminal.error("note: not converting the items \(result.skippedItems.joined(separator: ", ")) of \(result.sourceURL.path)")
        }
        if !result.omittedFiles.isEmpty {
            Terminal.error("note: \(result.destination.lastPathComponent) is one file, so the stored files "
                           + "\(result.omittedFiles.joined(separator: ", ")) are not written; give a directory DST to keep them")
        }
        let path = result.destination.path
        let items = result.items.joined(separator: ", ")
        if !result.ignoredTensors.isEmpty {
            Terminal.error("note: not converting \(result.ignoredTensors.joined(separator: ", ")) (not part of the model)")
        }
        switch (result.routedModel, result.layout) {
        case let (model?, .checkpoint):
            Terminal.error("wrote Arbor's \(model.prefix { $0 != " " }) as a checkpoint (items: \(items)) to \(path)")
        case let (model?, _):
            Terminal.error("wrote Arbor's \(model) as \(result.weightFiles.count) "
                           + "file\(result.weightFiles.count == 1 ? "" : "s") (\(ByteCount.text(result.byteCount))) to \(path)")
        case (nil, .checkpoint):
            Terminal.error("wrote a checkpoint of \(result.tensorCount) tensors (\(ByteCount.text(result.byteCount))) "
                           + "to \(path) (items: \(items))")
        case (nil, _):
            Terminal.error("wrote \(result.tensorCount) tensors (\(ByteCount.text(result.byteCount))) to \(path)")
        }
    }
}

extension ModelConverter.Model: ExpressibleByArgument {}
