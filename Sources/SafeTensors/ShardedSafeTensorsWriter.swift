import ArborTensor
import Foundation

/// What `SafeTensorsWriter.writeSharded` produced.
public struct ShardedWriteResult: Sendable, Equatable {
    /// The shard files in order (`model-00001-of-00003.safetensors`, ...), or just
    /// `model.safetensors` when everything fits in one.
    public var files: [URL]
    /// The `model.safetensors.index.json` written, or `nil` for a single shard.
    public var indexURL: URL?
    /// Sum of all tensors' byte sizes (the index's `metadata.total_size`).
    public var totalSize: Int

    /// A result (for callers that write in a staging place and report the final one).
    public init(files: [URL], indexURL: URL?, totalSize: Int) {
        self.files = files
        self.indexURL = indexURL
        self.totalSize = totalSize
    }
}

extension SafeTensorsWriter {
    /// Writes tensors as a Hugging Face sharded checkpoint in `directory`.
    ///
    /// Tensors are packed greedily in the given order: a shard is closed when the
    /// next tensor would take it over `maxShardSize` bytes of tensor data, and a
    /// tensor larger than the maximum gets a shard of its own, placed before the
    /// shard being filled (as `huggingface_hub.split_state_dict_into_shards` does).
    /// Every shard carries `metadata` (`{"format": "pt"}` by default, which
    /// `transformers` expects). With more than one shard, an index
    /// `<baseName>.safetensors.index.json` maps every name to its file and is
    /// written last, so a reader never sees an index without its shards.
    ///
    /// ```swift
    /// try SafeTensorsWriter.writeSharded(stateDict, to: dir, maxShardSize: try ShardSize.parse("2GB"))
    /// ```
    @discardableResult
    public static func writeSharded(
        _ tensors: StateDict, to directory: URL, maxShardSize: Int,
        baseName: String = "model", metadata: [String: String] = ["format": "pt"]
    ) throws(SafeTensorsError) -> ShardedWriteResult {
        try writeSharded(entries: tensors.map { SafeTensorsEntry(name: $0.name, tensor: $0.tensor) }, to: directory,
                         maxShardSize: maxShardSize, baseName: baseName, metadata: metadata)
    }

    /// `writeSharded` for entries (tensors or raw bytes).
    @discardableResult
    public static func writeSharded(
        entries: [SafeTensorsEntry], to directory: URL, maxShardSize: Int,
        baseName: String = "model", metadata: [String: String] = ["format": "pt"]
    ) throws(SafeTensorsError) -> ShardedWriteResult {
        var seen = Set<ExactName>()
        for entry in entries where !seen.insert(ExactName(entry.name)).inserted {
            throw .duplicateName(file: directory.path, tensor: entry.name)
        }
        let shards = planShards(entries, maxShardSize: maxShardSize)
        let totalSize = entries.reduce(0) { $0 + $1.byteCount }
        if shards.count <= 1 {
            let url = directory.appendingPathComponent(baseName + ".safetensors")
            try write(entries: shards.first ?? [], metadata: metadata, to: url)
            return ShardedWriteResult(files: [url], indexURL: nil, totalSize: totalSize)
        }
        var files: [URL] = []
        var weightMap: [(String, String)] = []
        for (index, shard) in shards.enumerated() {
            let name = "\(baseName)-\(fiveDigits(index + 1))-of-\(fiveDigits(shards.count)).safetensors"
            let url = directory.appendingPathComponent(name)
            try write(entries: shard, metadata: metadata, to: url)
            files.append(url)
            weightMap.append(contentsOf: shard.map { ($0.name, name) })
        }
        let indexURL = directory.appendingPathComponent(baseName + ".safetensors.index.json")
        let index = ShardIndexEncoder.encode(totalSize: totalSize, weightMap: weightMap)
        do { try AtomicFile.write(index, to: indexURL) } catch { throw .io(error) }
        return ShardedWriteResult(files: files, indexURL: indexURL, totalSize: totalSize)
    }

    /// Groups entries into shards with the `huggingface_hub` rule (see above).
    static func planShards(_ entries: [SafeTensorsEntry], maxShardSize: Int) -> [[SafeTensorsEntry]] {
        var shards: [[SafeTensorsEntry]] = []
        var current: [SafeTensorsEntry] = []
        var currentSize = 0
        for entry in entries {
            let size = entry.byteCount
            if size > maxShardSize {
                shards.append([entry])
                continue
            }
            if currentSize + size > maxShardSize, !current.isEmpty {
                shards.append(current)
                current = []
                currentSize = 0
            }
            current.append(entry)
            currentSize += size
        }
        if !current.isEmpty { shards.append(current) }
        return shards
    }

    private static func fiveDigits(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: Swift.max(0, 5 - text.count)) + text
    }
}
