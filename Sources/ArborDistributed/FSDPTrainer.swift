import Arbor
import ArborTensor

/// Data-parallel training with fully sharded parameters (ZeRO-3 style) over a
/// process group.
///
/// Between steps each rank holds 1/N of every parameter (rows of dimension 0,
/// split ragged as `Sharding` does; scalars are replicated) and the optimizer
/// state for only those rows. A step all-gathers the parameters, runs the
/// forward and backward pass on this rank's part of the global batch,
/// reduce-scatters the gradients (sum in rank order, then × 1/N: the mean over
/// ranks), updates this rank's rows, and frees the gathered copy: the model's
/// parameters are sharded leaves again (`VariableState.sharded`). Variables
/// that are not parameters (batch statistics, RNG state) stay local. One
/// process stepping with `accumulatedGrad(of:microBatches:)` over the ranks'
/// shares does the same arithmetic, so it reproduces an N-rank run bitwise.
///
/// ```swift
/// let trainer = try FSDPTrainer(model: GPT2(config, key: key), optimizer: Adam(learningRate: 1e-3), group: group)
/// let loss = try trainer.step { m in m(localIDs).crossEntropy(labels: localTargets) }
/// ```
public final class FSDPTrainer<M: Module> {
    /// The model; its parameters are sharded between steps.
    public let model: M
    /// The ranks training together.
    public let group: any ProcessGroup
    /// Updates this rank's shards (its state is 1/N of a full optimizer's).
    public let optimizer: any Optimizer
    /// How parameters are laid out between steps (`["fsdp"]` over a mesh of the group's ranks).
    public let sharding: Sharding
    private let shards: FSDPShards
    private let paths: [Path]
    private let leaves: [VariableState]

    /// Shards `model`'s parameters over `group`. Rank 0's initial values are
    /// broadcast, so every rank starts from the same parameters.
    public init(model: M, optimizer: some Optimizer, group: some ProcessGroup) throws {
        self.model = model
        self.group = group
        self.optimizer = optimizer
        sharding = try Sharding(mesh: try Mesh(["fsdp": group.size], group: group), spec: ["fsdp"])
        let params = try Graph.state(model, .param).gathered(group: group)
        paths = params.paths
        var leaves: [VariableState] = [], pieces: [Param] = []
        for leaf in params.leaves {
            let whole = try group.broadcast(leaf.value.detached(), root: 0)
            leaves.append(leaf.abstract)
            pieces.append(Param(try Self.rows(of: whole, sharding: sharding, rank: group.rank)))
        }
        self.leaves = leaves
        shards = FSDPShards(pieces)
        try Graph.update(model, try shardedParameters())
    }

    /// One training step; `loss` computes the loss of this rank's part of the
    /// global batch (a mean over its examples, every rank the same count).
    /// Returns the mean loss over ranks.
    @discardableResult
    public func step(_ loss: (M) throws -> Tensor) throws -> Float {
        try Graph.update(model, try gatheredParameters())
        let (value, gradients) = try grad(of: model, wrt: .param, loss)
        let scale = 1 / Float(group.size)
        var local: [(Path, VariableState)] = []
        for (index, path) in paths.enumerated() {
            guard let gradient = gradients[path]?.value.detached() else {
                throw ProcessGroupError.mismatch("no gradient for \(path)")
            }
            let summed = gradient.rank == 0
                ? try group.allReduce(gradient, op: .sum) : try group.reduceScatter(gradient, op: .sum)
            local.append((FSDPShards.path(index), VariableState(kind: .param, value: summed * scale)))
        }
        try optimizer.update(shards, gradients: try State(flat: local))
        try Graph.update(model, try shardedParameters())
        return try group.allReduce(value.detached(), op: .sum).scalars(as: Float.self)[0] * scale
    }

    /// Every parameter whole, on every rank (one all-gather per parameter).
    public func gatheredParameters() throws -> State {
        var entries: [(Path, VariableState)] = []
        for (index, path) in paths.enumerated() {
            let shard = shards.pieces[index].value
            var leaf = leaves[index]
            leaf.value = leaf.value.rank == 0 ? shard : try group.allGather(concatenating: shard)
            entries.append((path, leaf))
        }
        return try State(flat: entries)
    }

    /// Parameter bytes this rank holds between steps.
    public var residentParameterBytes: Int { shards.pieces.reduce(0) { $0 + $1.value.byteCount } }

    /// The parameters as sharded leaves holding this rank's rows.
    private func shardedParameters() throws -> State {
        var entries: [(Path, VariableState)] = []
        for (index, path) in paths.enumerated() {
            var leaf = leaves[index]
            let data = shards.pieces[index].value
            if leaf.value.rank == 0 {
                leaf.value = data
            } else {
                let box = sharding.box(forDevice: group.rank, globalShape: leaf.shape)
                leaf.sharded = try ShardedTensor(
                    globalShape: leaf.shape, dtype: leaf.dtype, sharding: sharding,
                    addressableShards: [ShardedTensor.Shard(device: group.rank, box: box, data: data)])
                leaf.metadata.sharding = sharding.spec
            }
            entries.append((path, leaf))
        }
        return try State(flat: entries)
    }

    /// This rank's rows of `whole` (all of it for a scalar).
    static func rows(of whole: Tensor, sharding: Sharding, rank: Int) throws -> Tensor {
        guard whole.rank > 0 else { return whole }
        return try ShardedTensor.assemble(sharding.box(forDevice: rank, globalShape: whole.shape), dtype: whole.dtype,
                                          from: [ShardedTensor.Shard(device: -1, box: IndexBox(covering: whole.shape), data: whole)])
    }
}

/// This rank's parameter shards as a module, so any `Optimizer` can update
/// them (paths `pieces/0`, `pieces/1`, … in the model's parameter order).
final class FSDPShards: Module {
    var pieces: [Param]

    init(_ pieces: [Param]) { self.pieces = pieces }

    static func path(_ index: Int) -> Path { Path([.name("pieces"), .index(index)]) }
}
