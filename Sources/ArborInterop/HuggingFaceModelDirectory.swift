import Arbor
import ArborTensor
import Foundation
import SafeTensors

/// A Hugging Face model directory: `config.json` beside `model.safetensors`
/// or shards with a `model.safetensors.index.json`, the layout that
/// `save_pretrained` writes and `from_pretrained` reads (or, in a directory
/// without safetensors, `pytorch_model.bin`, see `HuggingFaceWeights`). This is how a model
/// crosses between Arbor and PyTorch without a Python step in between.
///
/// ```swift
/// let (model, _) = try HuggingFaceModelDirectory(opening: url).loadGPT2()
/// try HuggingFaceModelDirectory.save(model, to: exportURL)
/// ```
public struct HuggingFaceModelDirectory: Sendable {
    /// The directory.
    public let url: URL
    /// The bytes of `config.json`.
    public let config: Data
    /// The weights, opened lazily and memory-mapped.
    public let weights: HuggingFaceWeights

    /// Opens a directory, reading `config.json` and every safetensors header
    /// (or every PyTorch file's archive directory and pickle), not the tensor data.
    public init(opening url: URL) throws(HuggingFaceError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notADirectory(path: url.path)
        }
        let configURL = url.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else { throw .missingConfig(directory: url.path) }
        do { config = Data(try DurableFileSystem.contents(of: configURL)) } catch {
            throw .io(path: configURL.path, reason: "cannot be read: \(error.reason)")
        }
        weights = try HuggingFaceWeights.open(url)
        self.url = url
    }

    /// The weights as named tensors in file order; f32 tensors are views of
    /// the mapped files, so nothing is copied until a rule or cast needs it.
    public func tensors() throws(HuggingFaceError) -> StateDict {
        try weights.tensors()
    }

    /// The `GPT2Config` that `config.json` describes.
    public func gpt2Config() throws(HuggingFaceError) -> GPT2Config {
        let source = url.appendingPathComponent("config.json").path
        do {
            let parsed = try GPT2Config(huggingFaceConfig: config, source: source)
            try parsed.checkFitsInMemory(source: source)
            return parsed
        } catch { throw .config(error) }
    }

    /// Loads the directory into Arbor's `GPT2` through `StateDictRules.gpt2`,
    /// casting bf16/f16 weights to f32.
    ///
    /// Strict loading (the default) builds the model shape-only and fills it
    /// from the file, so no random initialisation is paid for; any missing,
    /// unexpected or mis-shaped key throws one error listing all of them.
    /// Lenient loading starts from a seeded random model, keeps its values
    /// for missing keys and returns the report; shape mismatches still throw.
    public func loadGPT2(strict: Bool = true) throws(HuggingFaceError) -> (model: GPT2, report: StateDictLoadReport) {
        try Self.loadGPT2(config: try gpt2Config(), tensors: try tensors(), source: url.lastPathComponent, strict: strict)
    }

    /// `loadGPT2` for weights that are not in a directory (a checkpoint, a
    /// converted state dict): `tensors` carry Hugging Face GPT-2 names;
    /// `source` names them in errors.
    public static func loadGPT2(config: GPT2Config, tensors: StateDict, source: String,
                                strict: Bool = true) throws(HuggingFaceError) -> (model: GPT2, report: StateDictLoadReport) {
        // Before any allocation: a config.json with absurd sizes is an error, not an abort.
        do { try config.checkFitsInMemory(source: source) } catch { throw .config(error) }
        return try load({ GPT2(config, key: RandomKey(seed: 0)) }, rules: .gpt2, tensors: tensors, source: source,
                 strict: strict)
    }

    /// How `save` writes a directory.
    public struct SaveOptions: Sendable {
        /// The weights' dtype (`float32`, `bfloat16` or `float16`).
        public var dtype: DType
        /// Largest shard in bytes of tensor data; above it the weights are
        /// split into `model-0000i-of-0000n.safetensors` with an index.
        public var maxShardSize: Int
        /// A `config.json` to start from (the one the model came with), so
        /// token ids and other fields Arbor does not use survive a round trip.
        public var baseConfig: Data?
        /// Other files to write beside the weights (`generation_config.json`,
        /// tokenizer files), by file name; a `config.json` here is ignored.
        public var extraFiles: [ModelFile]
        /// Replace an existing directory.
        public var force: Bool

        /// The defaults: f32, shards of at most 5 GB, a fresh config, no other files, never overwrite.
        public init(dtype: DType = .float32, maxShardSize: Int = 5_000_000_000, baseConfig: Data? = nil,
                    extraFiles: [ModelFile] = [], force: Bool = false) {
            self.dtype = dtype
            self.maxShardSize = maxShardSize
            self.baseConfig = baseConfig
            self.extraFiles = extraFiles
            self.force = force
        }
    }

    /// Writes `model` as a directory that `GPT2LMHeadModel.from_pretrained`
    /// loads with no missing or unexpected keys: `config.json`, weights with
    /// Hugging Face names and `Conv1D` layouts, `{"format": "pt"}` metadata,
    /// an index when sharded, and no `lm_head.weight` (it is tied to `wte`).
    ///
    /// The directory is built under a temporary sibling name, fsynced and
    /// renamed into place, so `url` is either the old directory or the
    /// complete new one.
    @discardableResult
    public static func save(_ model: GPT2, to url: URL, options: SaveOptions = SaveOptions())
        throws(HuggingFaceError) -> ShardedWriteResult {
        if FileManager.default.fileExists(atPath: url.path), !options.force { throw .destinationExists(path: url.path) }
        let config = model.config.huggingFaceConfig(dtype: try torchName(options.dtype), base: options.baseConfig)
        let tensors = try exported(model, rules: .gpt2, dtype: options.dtype, path: url.path, order: huggingFaceOrder)
        return try write(tensors, config: config, to: url, options: options)
    }

    /// `GPT2LMHeadModel`'s declaration order (`wte`, `wpe`, then per block
    /// `ln_1`, `attn.c_attn`, `attn.c_proj`, `ln_2`, `mlp.c_fc`, `mlp.c_proj`,
    /// then `ln_f`; weight before bias), the order `save_pretrained` packs
    /// shards in, so a sharded export splits where transformers splits.
    static func huggingFaceOrder(_ name: String) -> [Int] {
        let parts = name.split(separator: ".").map(String.init)
        let body = parts.first == "transformer" ? Array(parts.dropFirst()) : parts
        let parameter = body.last == "weight" ? 0 : body.last == "bias" ? 1 : 2
        switch body.first {
        case "wte": return [0, 0, 0, parameter]
        case "wpe": return [1, 0, 0, parameter]
        case "h":
            let layer = body.count > 1 ? Int(body[1]) ?? 0 : 0
            let module = body.dropFirst(2).dropLast().joined(separator: ".")
            let rank = ["ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"].firstIndex(of: module) ?? 6
            return [2, layer, rank, parameter]
        case "ln_f": return [3, 0, 0, parameter]
        default: return [4, 0, 0, parameter]
        }
    }
}
