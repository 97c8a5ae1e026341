import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborTestSupport
import Foundation
import Testing

/// A model with ragged shapes and several dtypes whose parameters carry
/// sharding specs, so the FSDP pattern splits it over any rank count.
final class LiveShardedModel: Module {
    let embedding: Param
    let weight: Param
    let bias: Param
    let scale: Param

    /// Values from `seed` (0 gives zeros, a stand-in for a freshly built model).
    init(seed: UInt64) throws {
        func value(_ shape: [Int], _ dtype: DType, _ offset: UInt64) throws -> Tensor {
            seed == 0 ? Tensor(zeros: shape, dtype: dtype) : try Tensor.randomBytes(shape: shape, dtype: dtype, seed: seed + offset)
        }
        embedding = Param(try value([7, 3], .bfloat16, 1), metadata: VariableMetadata(sharding: [nil, "fsdp"]))
        weight = Param(try value([10, 6], .float32, 2), metadata: VariableMetadata(sharding: ["fsdp", nil]))
        bias = Param(try value([9], .float16, 3), metadata: VariableMetadata(sharding: ["fsdp"]))
        scale = Param(try value([3], .float32, 4))   // no spec: replicated on every rank
    }
}

/// Restoring straight into a LIVE sharded model: its parameters were already
/// sharded with the FSDP pattern (`state.map { try $1.sharded(over: mesh) }`
/// then `Graph.update`), and `Checkpoint.restore(_:into:)` refills this rank's
/// shards from a checkpoint saved on another rank count and mesh, or unsharded.
@Suite struct LiveShardedRestoreTests {
    /// A fresh (zero) model on `group`'s rank, sharded over `fsdp: group.size`.
    static func liveShardedModel(_ group: any ProcessGroup) throws -> LiveShardedModel {
        let model = try LiveShardedModel(seed: 0)
        let mesh = try Mesh(["fsdp": group.size], group: group)
        let sharded = try Graph.state(model).map { _, leaf in try leaf.sharded(over: mesh) }
        try Graph.update(model, sharded)
        return model
    }

    /// For every parameter of `model`: each addressable shard must hold the
    /// bytes of the same box of the original whole value; a replicated one the
    /// whole value. Returns the paths that differ.
    static func differences(_ model: LiveShardedModel, from original: State) throws -> [String] {
        var problems: [String] = []
        let live = try Graph.state(model)
        for (path, whole) in zip(original.paths, original.leaves) {
            guard let leaf = live[path] else { problems.append("\(path) missing"); continue }
            guard let sharded = leaf.sharded else {
                if whole.metadata.sharding != nil { problems.append("\(path) is no longer sharded") }
                if bytes(leaf.value) != bytes(whole.value) { problems.append("\(path) differs") }
                continue
            }
            let source = ShardedTensor.Shard(device: 0, box: IndexBox(covering: whole.shape), data: whole.value)
            for shard in sharded.addressableShards {
                let expected = try ShardedTensor.assemble(shard.box, dtype: whole.dtype, from: [source])
                if shard.data.dtype != whole.dtype || bytes(shard.data) != bytes(expected) {
                    problems.append("\(path) shard \(shard.box) differs")
                }
            }
        }
        return problems
    }

    static func bytes(_ tensor: Tensor) -> [UInt8] { tensor.withUnsafeBytes { Array($0) } }

    @Test func liveModelOnTwoRanksRestoresACheckpointSavedOnFourRanks() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-live")
        let url = directory.file("ckpt")
        let original = try Graph.state(try LiveShardedModel(seed: 40))
        // Saved by 4 ranks, each rank's params split the other way round on a 2 x 2 mesh.
        _ = try await onRanks(4) { group in
            let mesh = try Mesh(["data": 2, "fsdp": 2], processIndex: group.rank, processCount: 4)
            let specs: [String: ShardingSpec] = [
                "embedding": [["data", "fsdp"], nil], "weight": [nil, ["fsdp", "data"]], "bias": [["data", "fsdp"]],
            ]
            let state = try original.map { path, leaf in
                var leaf = leaf
                if let spec = specs[path.description] { leaf.metadata.sharding = spec }
                return try leaf.sharded(over: mesh)
            }
            try Checkpointer(processGroup: group).save(["params": .state(state)], to: url)
        }
        let outcomes = try await onRanks(2) { group in
            let model = try Self.liveShardedModel(group)
            try Checkpointer().open(url).restore("params", into: model)
            return try Self.differences(model, from: original)
        }
        #expect(outcomes == [[], []])
    }

    @Test func liveModelOnThreeRanksRestoresAnUnshardedCheckpoint() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-live")
        let url = directory.file("ckpt")
        let saved = try LiveShardedModel(seed: 70)
        try Checkpointer().save(["params": .state(try Graph.state(saved))], to: url)
        #expect(try Checkpointer().open(url).metadata.formatVersion == 1)
        let original = try Graph.state(saved)
        let outcomes = try await onRanks(3) { group in
            let model = try Self.liveShardedModel(group)
            let before = try Graph.state(model).residentByteCount
            try Checkpointer().open(url).restore("params", into: model, options: .init(copy: true))
            let after = try Graph.state(model).residentByteCount
            return try Self.differences(model, from: original) + (before == after ? [] : ["resident \(before) -> \(after)"])
        }
        #expect(outcomes == [[], [], []])
    }

    @Test func liveModelOnFourRanksRestoresACheckpointSavedOnTwo() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-live")
        let url = directory.file("ckpt")
        let original = try Graph.state(try LiveShardedModel(seed: 90))
        _ = try await onRanks(2) { group in
            let saver = try LiveShardedModel(seed: 90)
            let mesh = try Mesh(["fsdp": group.size], group: group)
            try Graph.update(saver, try Graph.state(saver).map { _, leaf in try leaf.sharded(over: mesh) })
            try Checkpointer(processGroup: group).save(["params": .state(try Graph.state(saver))], to: url)
        }
        let outcomes = try await onRanks(4) { group in
            let model = try Self.liveShardedModel(group)
            try Checkpointer().open(url).restore("params", into: model)
            return try Self.differences(model, from: original)
        }
        #expect(outcomes == [[], [], [], []])
    }
}
