import Arbor
import ArborExamples
import ArborDistributed
import ArborExamples
import ArborTensor

/// Sharded tensors and the FSDP pattern across real ranks.
public enum ShardingChecks {
    /// The same tensor on every rank (made from a fixed key).
    static func global() throws -> Tensor {
        try Tensor.randomNormal(shape: [10, 5], key: RandomKey(seed: 7), dtype: .bfloat16)
    }

    /// Every parameter's first dimension annotated with the "fsdp" axis.
    public static func fsdpSpecs(_ state: State) -> State {
        state.map { _, leaf in
            var leaf = leaf
            if leaf.value.rank > 0 { leaf.metadata.sharding = ["fsdp"] }
            return leaf
        }
    }

    /// The FSDP pattern on a tiny GPT-2: this rank's resident parameter bytes
    /// before and after, and the gathered state's equality with the original.
    public static func fsdpPattern(group: some ProcessGroup) throws -> (before: Int, after: Int, gatheredEqual: Bool) {
        let model = GPT2(.tiny, key: RandomKey(seed: 0))
        try Graph.update(model, fsdpSpecs(try Graph.state(model)))
        let original = try Graph.state(model)
        let mesh = try Mesh(["fsdp": group.size], group: group)

        let state = try Graph.state(model)
        let sharded = try state.map { _, leaf in try leaf.sharded(over: mesh) }
        try Graph.update(model, sharded)

        let after = try Graph.state(model)
        return (original.residentByteCount, after.residentByteCount, try after.gathered(group: group) == original)
    }

    /// The sharding checks.
    public static let all: [DistributedCheck] = [
        DistributedCheck("sharded tensor gathers across ranks") { group in
            let tensor = try global()
            let mesh = try Mesh(["fsdp": group.size], group: group)
            let sharded = try ShardedTensor(tensor, sharding: Sharding(mesh: mesh, spec: ["fsdp", nil]))
            guard sharded.addressableShards.map(\.device) == [group.rank] else { return "shards \(sharded)" }
            return CollectiveChecks.expect(try sharded.gathered(group: group), tensor, "gathered")
        },
        DistributedCheck("reshard rows to columns across ranks") { group in
            let tensor = try global()
            let mesh = try Mesh(["a": group.size], group: group)
            let rows = try ShardedTensor(tensor, sharding: Sharding(mesh: mesh, spec: ["a", nil]))
            let columns = try rows.resharded(to: Sharding(mesh: mesh, spec: [nil, "a"]), group: group)
            let expected = try ShardedTensor(tensor, sharding: Sharding(mesh: mesh, spec: [nil, "a"]))
            return CollectiveChecks.expect(columns, expected, "columns")
        },
        DistributedCheck("FSDP pattern on GPT-2 leaves 1/N resident") { group in
            let (before, after, equal) = try fsdpPattern(group: group)
            guard equal else { return "gathered state differs from the original" }
            let share = Double(after) / Double(before)
            return abs(share - 1 / Double(group.size)) < 0.02 ? nil : "resident share \(share) (\(after) of \(before) bytes)"
        },
    ]
}
