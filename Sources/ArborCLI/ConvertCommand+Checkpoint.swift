import Arbor
import ArborTensor

extension ConvertCommand {
    /// The `State` a `--to arbor` conversion saves: each dotted name split on "."
    /// into path keys (canonical integers become index keys, so `h.0.attn` gets the
    /// typed path a model's list of layers has), every leaf a `Param`.
    ///
    /// A name found in `originals` (a checkpoint source converted without rules)
    /// keeps that leaf's typed path, kind and metadata, so a checkpoint to
    /// checkpoint conversion loses nothing but the left-out caches and RNG state.
    static func checkpointState(
        _ tensors: [(name: String, tensor: Tensor)], keeping originals: [String: (path: Path, leaf: VariableState)]?,
        destination: String
    ) throws -> State {
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
                throw ConvertError.badTensorName(name: name, reason: "an empty name cannot be a checkpoint path")
            }
            let path: Path
            do { path = try Path(parsing: name, separator: ".") } catch {
                throw ConvertError.badTensorName(
                    name: name, reason: "has an empty part between dots, so it cannot be split into a checkpoint path")
            }
            entries.append((path, VariableState(kind: .param, value: tensor)))
        }
        do { return try State(flat: entries) } catch {
            throw ConvertError.badTree(path: destination, reason: error.description)
        }
    }
}
