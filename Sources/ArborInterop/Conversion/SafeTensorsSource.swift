import ArborTensor
import Foundation
import SafeTensors

/// A conversion source: one safetensors file, or a Hugging Face model
/// directory (config files + one file or shards with an index).
struct SafeTensorsSource {
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
    static func open(_ given: URL) throws -> SafeTensorsSource {
        // An index JSON stands for its model directory.
        let url = given.lastPathComponent.hasSuffix(".safetensors.index.json") ? given.deletingLastPathComponent() : given
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelConverterError.sourceNotFound(url.path)
        }
        var contents: [URL] = []
        if isDirectory.boolValue {
            do {
                contents = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isRegularFileKey])
            } catch {
                throw ModelConverterError.unreadableFile(url.path, error.localizedDescription)
            }
            // Say what SRC should be rather than only that no safetensors file is there.
            let names = contents.map(\.lastPathComponent)
            guard names.contains(where: { $0.hasSuffix(".safetensors") || $0.hasSuffix(".safetensors.index.json") }) else {
                throw ModelConverterError.unrecognisedSource(url.path)
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
        return SafeTensorsSource(url: url, isDirectory: isDirectory.boolValue, collection: collection, extraFiles: extra)
    }

    /// The largest shard's size in bytes, for keeping a sharded layout.
    var largestShardSize: Int {
        collection.shardURLs.compactMap { (try? $0.resourceValues(forKeys: [.fileSizeKey]).fileSize) }.max() ?? 0
    }
}
