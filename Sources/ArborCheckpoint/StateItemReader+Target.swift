import Arbor

extension StateItemReader {
    /// The item restored into `target`'s structure and layout (see
    /// `Checkpoint.state(_:into:options:)`).
    ///
    /// A target leaf that is sharded (it has a `ShardedTensor`), or that
    /// carries a sharding spec while `options.mesh` is set, comes back sharded
    /// the same way: this process reads only the regions of its own devices.
    /// Any other leaf comes back whole.
    func read(into target: State, options: RestoreOptions) throws(CheckpointError) -> State {
        let wanted = options.filter.map { target.filter($0) } ?? target
        var validation: ValidationOptions = options.castDTypes ? [.ignoreDTypes] : []
        if options.filter != nil { validation.insert(.allowUnexpected) }
        let problems = abstractState().mismatches(against: wanted, options: validation)
        guard problems.isEmpty else { throw .mismatch(path: directory.path, StateMismatchError(problems: problems)) }

        var wholeByStorage: [Path: Tensor] = [:]
        var entries: [(Path, VariableState)] = []
        entries.reserveCapacity(wanted.count)
        for (path, expected) in zip(wanted.paths, wanted.leaves) {
            guard let original = recordedLeaf(at: path),
                  let stored = storedLeaf(at: path) else { continue }   // unreachable after validation
            var metadata = original.metadata ?? VariableMetadata()
            let kind = VariableKind(original.kind)
            if let sharding = try targetSharding(of: expected, at: path, mesh: options.mesh) {
                var byBox: [IndexBox: Tensor] = [:]
                var shards: [ShardedTensor.Shard] = []
                for device in sharding.mesh.addressableDevices {
                    let box = sharding.box(forDevice: device, globalShape: stored.shape)
                    let data: Tensor
                    if let known = byBox[box] {
                        data = known
                    } else {
                        data = try cast(try region(box, of: stored), to: expected.dtype, at: path)
                        byBox[box] = data
                    }
                    shards.append(ShardedTensor.Shard(device: device, box: box, data: data))
                }
                let layout: ShardedTensor
                do {
                    layout = try ShardedTensor(globalShape: stored.shape, dtype: expected.dtype, sharding: sharding,
                                               addressableShards: shards)
                } catch {
                    throw .sharding(path: "\(directory.path): \(path)", reason: error.description)
                }
                metadata.sharding = sharding.spec
                entries.append((path, VariableState(kind: kind, value: layout.abstractValue, metadata: metadata,
                                                    sharded: layout)))
            } else {
                let key = Path(original.aliasOf ?? original.path)
                let whole: Tensor
                if let shared = wholeByStorage[key] {
                    whole = shared
                } else {
                    whole = try region(IndexBox(covering: stored.shape), of: stored)
                    wholeByStorage[key] = whole
                }
                entries.append((path, VariableState(kind: kind, value: try cast(whole, to: expected.dtype, at: path),
                                                    metadata: metadata)))
            }
        }
        return try makeState(entries)
    }

    /// How a target leaf wants its value laid out: its own sharding when it is
    /// sharded, its spec over `mesh` when it has one and a mesh is given, or
    /// `nil` (whole).
    private func targetSharding(of leaf: VariableState, at path: Path, mesh: Mesh?) throws(CheckpointError) -> Sharding? {
        if let sharded = leaf.sharded { return sharded.sharding }
        guard let mesh, let spec = leaf.metadata.sharding, !spec.isReplicated else { return nil }
        do { return try Sharding(mesh: mesh, spec: spec) } catch {
            throw .sharding(path: "\(directory.path): \(path)", reason: error.description)
        }
    }

    private func cast(_ tensor: Tensor, to dtype: DType, at path: Path) throws(CheckpointError) -> Tensor {
        guard tensor.dtype != dtype else { return tensor }
        do { return try tensor.converted(to: dtype) } catch {
            throw .corrupt(path: directory.path, reason: "\(path): cannot convert: \(error)")
        }
    }
}
