import ArborTensor
import Foundation
import SafeTensors

extension ModelConverter {
    /// Writes a safetensors file, or a model directory with `files`, shards and an
    /// index, under a temporary sibling name and renames it into place.
    func writeSafeTensors(_ tensors: StateDict, files: [ModelFile], from src: ConversionInput,
                          layout: Layout) throws -> Result {
        let metadata = src.model?.collection.metadata ?? ["format": "pt"]
        var written = result(layout, from: src, tensors: tensors)
        // PyTorch files whose tensors go out unchanged are copied storage by storage, CRC-checked on the way.
        let copied = options.rules == nil && options.dtype == nil ? src.pytorch : nil
        if layout == .huggingFace {
            let limit = options.maxShardSize ?? src.model.map { Self.sourceShardLimit($0, tensors) } ?? Int.max
            if let pytorch = src.pytorch, copied == nil || tensors.byteCount > limit { try pytorch.verifyChecksums() }
            let shards = try AtomicDirectory.write(to: destination, replacing: options.force) { staging in
                for (name, data) in files {
                    try AtomicFile.write([UInt8](data), to: staging.appendingPathComponent(name))
                }
                if let copied, tensors.byteCount <= limit {
                    let url = staging.appendingPathComponent("model.safetensors")
                    try PyTorchSafeTensorsWriter(collection: copied, tensors: tensors).write(to: url, metadata: metadata)
                    return ShardedWriteResult(files: [url], indexURL: nil, totalSize: tensors.byteCount)
                }
                return try SafeTensorsWriter.writeSharded(tensors, to: staging, maxShardSize: limit, baseName: "model",
                                                          metadata: metadata)
            }
            written.weightFiles = shards.files.map { destination.appendingPathComponent($0.lastPathComponent) }
        } else {
            if let limit = options.maxShardSize, tensors.count > 1, tensors.byteCount > limit {
                throw ModelConverterError.fileWouldShard(destination.path, (tensors.byteCount + limit - 1) / limit)
            }
            // AtomicFile writes a temporary sibling and renames it over DST.
            if let copied {
                try PyTorchSafeTensorsWriter(collection: copied, tensors: tensors).write(to: destination, metadata: metadata)
            } else {
                try src.pytorch?.verifyChecksums()
                try SafeTensorsWriter.write(tensors, metadata: metadata, to: destination)
            }
            written.weightFiles = [destination]
            written.omittedFiles = files.map(\.name)
        }
        return written
    }

    /// Keeps a sharded source sharded: the source's largest shard, scaled by
    /// how much the tensors grew or shrank; a single-file source stays one file.
    static func sourceShardLimit(_ src: SafeTensorsSource, _ tensors: StateDict) -> Int {
        guard src.collection.shardURLs.count > 1 else { return Int.max }
        let before = src.collection.names.reduce(0) { $0 + ((try? src.collection.info(named: $1).byteCount) ?? 0) }
        guard before > 0 else { return Int.max }
        // Sizes from the shards' headers: finite and positive, but clamped before `Int(_:)`, which traps past Int.max.
        let scaled = Double(src.largestShardSize) * Double(tensors.byteCount) / Double(before)
        return scaled < 9.2e18 ? max(1, Int(scaled)) : Int.max
    }
}
