import ArborInterop
import ArborTensor
import Foundation
import SafeTensors

/// A conversion source: one safetensors file, or a Hugging Face model
/// directory (config files + one file or shards with an index).
struct ModelSource {
    /// The URL given.
    var url: URL
    /// Whether it is a directory (the output is then a directory too).
    var isDirectory: Bool
    /// The tensors, opened lazily (memory-mapped).
    var collection: SafeTensorsCollection
    /// Non-weight files to copy into a directory output (config.json, tokenizer files…).
    var extraFiles: [URL]

    /// Opens a file, an index JSON (meaning its directory) or a model directory;
    /// a directory without safetensors files is refused with what SRC may be.
    static func open(_ given: URL) throws -> ModelSource {
        // An index JSON stands for its model directory.
        let url = given.lastPathComponent.hasSuffix(".safetensors.index.json") ? given.deletingLastPathComponent() : given
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ConvertError.sourceNotFound(url.path)
        }
        var contents: [URL] = []
        if isDirectory.boolValue {
            do {
                contents = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isRegularFileKey])
            } catch {
                throw ConvertError.unreadableFile(url.path, error.localizedDescription)
            }
            // Say what SRC should be rather than only that no safetensors file is there.
            let names = contents.map(\.lastPathComponent)
            guard names.contains(where: { $0.hasSuffix(".safetensors") || $0.hasSuffix(".safetensors.index.json") }) else {
                throw ConvertError.unrecognisedSource(url.path)
            }
        }
        let collection = try SafeTensorsCollection.open(url)
        var extra: [URL] = []
        if isDirectory.boolValue {
            for file in contents.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
                let name = file.lastPathComponent
                let regular = (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false
                guard regular, !name.hasPrefix("."), !name.hasSuffix(".safetensors"),
                      !name.hasSuffix(".safetensors.index.json") else { continue }
                extra.append(file)
            }
        }
        return ModelSource(url: url, isDirectory: isDirectory.boolValue, collection: collection, extraFiles: extra)
    }

    /// The largest shard's size in bytes, for keeping a sharded layout.
    var largestShardSize: Int {
        collection.shardURLs.compactMap { (try? $0.resourceValues(forKeys: [.fileSizeKey]).fileSize) }.max() ?? 0
    }

    /// `config.json` with its dtype fields (`dtype`, `torch_dtype`) set to `dtype`.
    static func updatedConfig(_ data: Data, dtype: DType, path: String) throws -> Data {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ConvertError.badConfig(path, "not valid JSON")
        }
        guard var config = object as? [String: Any] else { throw ConvertError.badConfig(path, "not a JSON object") }
        let name = HuggingFaceModelDirectory.torchName(dtype)
        var updated = false
        for key in ["dtype", "torch_dtype"] where config[key] != nil {
            config[key] = name
            updated = true
        }
        if !updated { config["dtype"] = name }
        var text = try JSONSerialization.data(withJSONObject: config,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        text.append(contentsOf: Array("\n".utf8))
        return text
    }
}
