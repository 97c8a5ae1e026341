import Arbor
import ArborCheckpoint
import ArborTensor
import Foundation
import SafeTensors

/// A conversion's source, whatever it is — a safetensors file, a Hugging Face
/// model directory (safetensors or PyTorch `.bin`), a PyTorch file or an Arbor checkpoint — reduced to what every output needs:
/// named tensors (memory-mapped, read lazily) and the non-weight files to carry.
struct ConversionInput {
    /// The file or directory read (a run directory's chosen step for checkpoints).
    var url: URL
    /// What SRC is.
    var kind: ModelConverter.Source.Kind
    /// The tensors by name, in SRC's order.
    var tensors: StateDict
    /// Non-weight files by name (config.json, tokenizer files…), sorted.
    var files: [ModelFile]
    /// Set when SRC is safetensors (a file or a directory); `nil` for PyTorch files.
    var model: SafeTensorsSource?
    /// Set when SRC is an Arbor checkpoint.
    var checkpoint: CheckpointSource?
    /// Set when SRC is PyTorch files (their storages' CRC-32s are checked when written).
    var pytorch: PyTorchCollection?

    /// Opens `source`: a checkpoint verified, safetensors headers read.
    static func open(_ source: ModelConverter.Source) throws -> ConversionInput {
        let url = source.url
        if source.kind == .checkpoint {
            let opened = try CheckpointSource.open(url, item: source.item, step: source.step)
            return ConversionInput(url: opened.url, kind: .checkpoint, tensors: opened.tensors, files: opened.files,
                                   model: nil, checkpoint: opened)
        }
        if let pytorch = try PyTorchSource.openIfRecognised(url) {
            return ConversionInput(url: pytorch.url, kind: pytorch.isDirectory ? .huggingFaceDirectory : .safetensorsFile,
                                   tensors: try pytorch.collection.tensors(), files: try readFiles(pytorch.extraFiles),
                                   model: nil, checkpoint: nil, pytorch: pytorch.collection)
        }
        let model = try SafeTensorsSource.open(url)
        let tensors = try model.collection.tensors()
        return ConversionInput(url: model.url, kind: model.isDirectory ? .huggingFaceDirectory : .safetensorsFile,
                               tensors: tensors, files: try readFiles(model.extraFiles), model: model, checkpoint: nil)
    }

    /// The non-weight files to carry, by file name.
    private static func readFiles(_ urls: [URL]) throws -> [ModelFile] {
        var files: [ModelFile] = []
        for file in urls {
            do { files.append((file.lastPathComponent, Data(try DurableFileSystem.contents(of: file)))) } catch {
                throw ModelConverterError.unreadableFile(file.path, error.reason)
            }
        }
        return files
    }

    /// Where the non-weight file `name` came from, for error messages.
    func location(ofFile name: String) -> String {
        if kind == .checkpoint {
            return url.appendingPathComponent(StoredModelFiles.itemName).path + " (\(name))"
        }
        return url.appendingPathComponent(name).path
    }
}
