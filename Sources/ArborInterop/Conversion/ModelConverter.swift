import Arbor
import ArborCheckpoint
import ArborTensor
import Foundation
import SafeTensors

/// Converts model weights between a safetensors file, a Hugging Face model
/// directory and an Arbor checkpoint: renames through rules, casts floats,
/// reshards, and optionally routes the weights through an Arbor model. This is
/// `arbor convert` as a library call; it prints nothing (pass `progress` to
/// follow it) and writes the destination atomically.
///
/// ```swift
/// // A Hugging Face directory to an Arbor checkpoint in bf16, and back.
/// let toCheckpoint = ModelConverter(
///     source: try .init(URL(fileURLWithPath: "gpt2")), destination: URL(fileURLWithPath: "gpt2-ckpt"),
///     options: .init(layout: .checkpoint, dtype: .bfloat16))
/// try toCheckpoint.convert()
/// let back = ModelConverter(source: try .init(URL(fileURLWithPath: "gpt2-ckpt")),
///                           destination: URL(fileURLWithPath: "gpt2-hf"), options: .init(layout: .huggingFace))
/// let result = try back.convert()
/// print(result.tensorCount, result.byteCount)
/// ```
///
/// Errors are `ModelConverterError` and those of the layers below, unchanged
/// (`SafeTensorsError`, `CheckpointError`, `StateDictRuleError`, `HuggingFaceError`).
public struct ModelConverter: Sendable {
    /// What is written.
    public enum Layout: Sendable, Equatable {
        /// A model directory `from_pretrained` loads: the source's other files
        /// (with `config.json`'s dtype updated when casting), shards with
        /// `{"format": "pt"}` and an index when there is more than one shard.
        case huggingFace
        /// One `.safetensors` file (a directory source's other files are left out
        /// and listed in `Result.omittedFiles`).
        case singleFile
        /// An Arbor checkpoint with the State item `model` (each dotted name split
        /// on "." into path keys, integer parts as index keys, every leaf a
        /// `Param`) and the source's other files in the JSON item `model_files`.
        case checkpoint
    }

    /// The Arbor models weights can be routed through. A model's exporter
    /// writes a directory, so `.singleFile` is written as `.huggingFace` then.
    public enum Model: String, Sendable, CaseIterable {
        /// Arbor's `GPT2`, sized by the source's `config.json`; the tensors
        /// (after the rules) carry Hugging Face GPT-2 names.
        case gpt2
        /// Arbor's `Llama` from a Llama or Mistral `config.json`
        /// (`LlamaForCausalLM` names).
        case llama
        /// Arbor's `Llama` from a Qwen2 `config.json` (q/k/v biases).
        case qwen2
        /// Arbor's `BERT` (`BertModel` names; a task model's `bert.` encoder,
        /// its heads left out).
        case bert
    }

    /// How a conversion maps, casts and writes.
    public struct Options: Sendable {
        /// The layout written; `nil` writes the source's kind of layout.
        public var layout: Layout?
        /// Mapping rules applied to the names (and tensors) read.
        public var rules: StateDictRules?
        /// Apply `rules` in the export direction (Arbor names back to the source naming).
        public var reverse: Bool
        /// Cast floating-point tensors to this dtype (a floating-point one).
        public var dtype: DType?
        /// Largest shard (or checkpoint data file) in bytes; `nil` keeps the
        /// source's layout (a sharded source stays sharded, scaled by any cast).
        public var maxShardSize: Int?
        /// Load the weights strictly into this Arbor model and write what its
        /// exporter writes, which proves Arbor computes with them.
        public var model: Model?
        /// Replace an existing destination.
        public var force: Bool

        /// The defaults: the source's layout, no rules, no cast, its shard size, no model, never overwrite.
        public init(layout: Layout? = nil, rules: StateDictRules? = nil, reverse: Bool = false, dtype: DType? = nil,
                    maxShardSize: Int? = nil, model: Model? = nil, force: Bool = false) {
            self.layout = layout
            self.rules = rules
            self.reverse = reverse
            self.dtype = dtype
            self.maxShardSize = maxShardSize
            self.model = model
            self.force = force
        }
    }

    /// How far a conversion is: bytes of the source's tensors done out of all.
    public struct Progress: Sendable, Equatable {
        /// Bytes done.
        public var completedBytes: Int
        /// Bytes in all.
        public var totalBytes: Int
    }

    /// What a conversion wrote, for a caller to report.
    public struct Result: Sendable {
        /// The path written.
        public var destination: URL
        /// The layout written.
        public var layout: Layout
        /// Tensors written.
        public var tensorCount: Int
        /// Bytes of tensor data written.
        public var byteCount: Int
        /// Checkpoint items written (`model`, `model_files`), sorted; empty otherwise.
        public var items: [String]
        /// Safetensors files written (shards, or the one file); empty for a checkpoint.
        public var weightFiles: [URL]
        /// Items of a checkpoint source neither read nor carried over (optimizer state and the like).
        public var skippedItems: [String]
        /// The source's other files a single-file destination cannot hold.
        public var omittedFiles: [String]
        /// The checkpoint step directory or file actually read.
        public var sourceURL: URL
        /// The configuration of the model the weights were routed through.
        public var gpt2Config: GPT2Config?
        /// The model the weights were routed through, for a report
        /// (`Llama (2 layers, width 32)`); `nil` when not routed.
        public var routedModel: String?
        /// Source tensors a routed conversion left out (a task model's heads).
        public var ignoredTensors: [String] = []
    }

    /// What to read.
    public var source: Source
    /// Where to write.
    public var destination: URL
    /// How.
    public var options: Options

    /// A conversion of `source` to `destination`.
    public init(source: Source, destination: URL, options: Options = Options()) {
        self.source = source
        self.destination = destination
        self.options = options
    }

    /// Reads, maps, casts and writes. `progress` is called as tensors are done;
    /// nothing else is printed.
    @discardableResult
    public func convert(progress: ((Progress) -> Void)? = nil) throws -> Result {
        if let dtype = options.dtype, !dtype.isFloatingPoint || !dtype.isNumeric {
            throw ModelConverterError.unsupportedDType(dtype.rawValue)
        }
        // Refuse an existing DST before verifying and reading a possibly large SRC.
        if FileManager.default.fileExists(atPath: destination.path), !options.force {
            throw ModelConverterError.destinationExists(destination.path)
        }
        let src = try ConversionInput.open(source)
        var tensors = src.tensors
        if let rules = options.rules { tensors = try rules.apply(tensors, direction: options.reverse ? .inverse : .forward) }
        // Progress counts the tensors' bytes: while casting (the long part), then all of them once written.
        let total = tensors.byteCount
        var done = 0
        let layout = options.layout ?? (src.kind == .checkpoint ? .checkpoint
            : src.kind == .huggingFaceDirectory ? .huggingFace : .singleFile)
        // Outputs other than safetensors (written in ModelConverter+SafeTensors) check PyTorch CRCs first.
        if options.model != nil || layout == .checkpoint { try src.pytorch?.verifyChecksums() }
        var result: Result
        if let model = options.model {
            result = try convert(tensors, through: model, from: src, layout: layout)
        } else {
            if let dtype = options.dtype {
                // Each source tensor is read with `pread` (`readIntoMemory`), not through
                // the mapping, so a source truncated meanwhile is an error naming it
                // rather than a SIGBUS; the copy lives only while that tensor is cast.
                var cast = StateDict()
                for entry in tensors {
                    var tensor = entry.tensor
                    if tensor.dtype.isFloatingPoint, tensor.dtype != dtype {
                        do { tensor = try tensor.readIntoMemory().converted(to: dtype) } catch let error as TensorError {
                            throw StateDictError.conversionFailed(name: entry.name, error)
                        }
                    }
                    try cast.append(name: entry.name, tensor: tensor)
                    done += tensor.byteCount
                    progress?(Progress(completedBytes: done, totalBytes: total))
                }
                tensors = cast
            }
            var files = src.files
            if let dtype = options.dtype {
                for position in files.indices where files[position].name == "config.json" {
                    files[position].data = try HuggingFaceModelDirectory.config(
                        files[position].data, settingDType: dtype, path: src.location(ofFile: "config.json"))
                }
            }
            switch layout {
            case .checkpoint:
                result = try writeCheckpoint(tensors, files: files, from: src, mapped: options.rules != nil)
            case .huggingFace, .singleFile:
                result = try writeSafeTensors(tensors, files: files, from: src, layout: layout)
            }
        }
        progress?(Progress(completedBytes: total, totalBytes: total))
        result.skippedItems = src.checkpoint?.skippedItems ?? []
        return result
    }

    /// An empty result for `layout`, filled in by the writers.
    func result(_ layout: Layout, from src: ConversionInput, tensors: StateDict) -> Result {
        Result(destination: destination, layout: layout, tensorCount: tensors.count, byteCount: tensors.byteCount,
               items: [], weightFiles: [], skippedItems: [], omittedFiles: [], sourceURL: src.url, gpt2Config: nil, routedModel: nil)
    }
}
