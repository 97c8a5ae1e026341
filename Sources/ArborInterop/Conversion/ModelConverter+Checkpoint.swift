import Arbor
import ArborCheckpoint
import ArborTensor
import Foundation

extension ModelConverter {
    /// Saves `tensors` as the item `model` and `files` as `model_files` with
    /// `Checkpointer`, which stages, fsyncs and renames (and replaces DST only
    /// with `force`). A checkpoint source's step, metrics and user metadata are
    /// kept, and without rules (`mapped` false) its leaves keep their typed
    /// paths, kinds and metadata.
    func writeCheckpoint(_ tensors: StateDict, files: [ModelFile], from src: ConversionInput,
                         mapped: Bool) throws -> Result {
        let state = try Self.checkpointState(
            tensors, keeping: mapped ? nil : src.checkpoint?.leaves, destination: destination.path)
        var items: [String: CheckpointItem] = ["model": .state(state)]
        if !files.isEmpty { items[StoredModelFiles.itemName] = try .json(encoding: StoredModelFiles(files)) }
        let checkpointer = Checkpointer(maxDataFileBytes: options.maxShardSize ?? Checkpointer().maxDataFileBytes)
        let original = src.checkpoint?.checkpoint.metadata
        try checkpointer.save(items, to: destination, step: original?.step ?? 0, metrics: original?.metrics ?? [:],
                              metadata: original?.metadata ?? [:], force: options.force)
        var written = result(.checkpoint, from: src, tensors: tensors)
        written.items = items.keys.sorted()
        return written
    }

    /// The `State` a checkpoint conversion saves: each dotted name split on "."
    /// into path keys (canonical integers become index keys, so `h.0.attn` gets the
    /// typed path a model's list of layers has), every leaf a `Param`.
    ///
    /// A name found in `originals` (a checkpoint source converted without rules)
    /// keeps that leaf's typed path, kind and metadata, so a checkpoint to
    /// checkpoint conversion loses nothing but the left-out caches and RNG state.
    static func checkpointState(
        _ tensors: StateDict, keeping originals: [String: (path: Path, leaf: VariableState)]?, destination: String
    ) throws(ModelConverterError) -> State {
        var entries: [(Path, VariableState)] = []
        entries.reserveCapacity(tensors.count)
        for (name, tensor) in tensors {
            if let original = originals?[name] {
                var leaf = original.leaf
                leaf.value = tensor
                entries.append((original.path, leaf))
                continue
            }
            guard !name.isEmpty else {
                throw .badTensorName(name: name, reason: "an empty name cannot be a checkpoint path")
            }
            let path: Path
            do { path = try Path(parsing: name, separator: ".") } catch {
                throw .badTensorName(
                    name: name, reason: "has an empty part between dots, so it cannot be split into a checkpoint path")
            }
            entries.append((path, VariableState(kind: .param, value: tensor)))
        }
        do { return try State(flat: entries) } catch {
            throw .badTree(path: destination, reason: error.description)
        }
    }
}
