import Arbor
import ArborCheckpoint
import ArborTensor
import Foundation
import SafeTensors

/// SRC of `arbor convert`, whatever it is — a safetensors file, a Hugging Face
/// model directory or an Arbor checkpoint — reduced to what every output needs:
/// named tensors (memory-mapped, read lazily) and the non-weight files to carry.
struct ConvertInput {
    /// What SRC is; DST gets the same kind of layout unless `--to` says otherwise.
    enum Layout {
        /// One `.safetensors` file.
        case file
        /// A model directory: one file or shards with an index, plus config files.
        case directory
        /// An Arbor checkpoint (one step directory).
        case checkpoint
    }

    /// The file or directory read (a run directory's chosen step for checkpoints).
    var url: URL
    /// What SRC is.
    var layout: Layout
    /// The tensors by name, in SRC's order.
    var tensors: [(name: String, tensor: Tensor)]
    /// Non-weight files by name (config.json, tokenizer files…), sorted.
    var files: [(name: String, data: Data)]
    /// Bytes to read, for the progress bar.
    var byteCount: Int
    /// Set when SRC is safetensors (a file or a directory).
    var model: ModelSource?
    /// Set when SRC is an Arbor checkpoint.
    var checkpoint: CheckpointSource?

    /// Opens SRC, recognising a checkpoint by its `checkpoint.json` (or a run
    /// directory by its `step_N` directories) and anything else as safetensors.
    /// `item` and `step` apply to checkpoints only.
    static func open(_ url: URL, item: String?, step: Int?) throws -> ConvertInput {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        if exists, isDirectory.boolValue, CheckpointSource.isCheckpoint(url)
            || (!containsSafeTensors(url) && CheckpointSource.isRunDirectory(url)) {
            let source = try CheckpointSource.open(url, item: item, step: step)
            return ConvertInput(url: source.url, layout: .checkpoint, tensors: source.tensors, files: source.files,
                                byteCount: source.checkpoint.metadata.totalBytes, model: nil, checkpoint: source)
        }
        if exists {
            let reason = "\(url.path) is not an Arbor checkpoint; it applies only to a checkpoint SRC"
            if item != nil { throw ConvertError.optionNotApplicable(option: "--item", reason: reason) }
            if step != nil { throw ConvertError.optionNotApplicable(option: "--step", reason: reason) }
        }

        let model = try ModelSource.open(url)
        let tensors = try model.collection.tensors()
        var files: [(name: String, data: Data)] = []
        for file in model.extraFiles {
            do { files.append((file.lastPathComponent, try Data(contentsOf: file))) } catch {
                throw ConvertError.unreadableFile(file.path, error.localizedDescription)
            }
        }
        let bytes = model.collection.shardURLs.reduce(0) {
            $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
        }
        return ConvertInput(url: model.url, layout: model.isDirectory ? .directory : .file, tensors: tensors,
                            files: files, byteCount: bytes, model: model, checkpoint: nil)
    }

    /// Where the non-weight file `name` came from, for error messages.
    func location(ofFile name: String) -> String {
        if layout == .checkpoint {
            return url.appendingPathComponent(StoredModelFiles.itemName).path + " (\(name))"
        }
        return url.appendingPathComponent(name).path
    }

    /// Whether a directory holds safetensors files (a model directory, not a run directory).
    private static func containsSafeTensors(_ url: URL) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.contains { $0.hasSuffix(".safetensors") || $0.hasSuffix(".safetensors.index.json") }
    }
}
