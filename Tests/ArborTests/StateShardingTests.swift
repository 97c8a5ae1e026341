import ArborTensor
import Testing
@testable import Arbor

@Suite struct StateShardingTests {
    /// Annotates every parameter's first dimension with the "fsdp" axis.
    static func fsdpSpecs(_ state: State) -> State {
        state.map { _, leaf in
            var leaf = leaf
            if leaf.value.rank > 0 { leaf.metadata.sharding = ["fsdp"] }
            return leaf
        }
    }

    @Test func theFSDPPatternLeavesEachProcessAQuarterOfGPT2() throws {
        let model = GPT2(.tiny, key: RandomKey(seed: 0))
        try Graph.update(model, Self.fsdpSpecs(try Graph.state(model)))
        let full = try Graph.state(model)
        #expect(full.shardingSpecs.allSatisfy { $0.spec == ["fsdp"] || full[$0.path]?.value.rank == 0 })
        var resident: [Int] = []
        var pieces: [State] = []
        for process in 0..<4 {
            let replica = try Graph.clone(model)
            let mesh = try Mesh(["fsdp": 4], processIndex: process, processCount: 4)
            let state = try Graph.state(replica)
            let sharded = try state.map { _, leaf in try leaf.sharded(over: mesh) }
            try Graph.update(replica, sharded)
            let after = try Graph.state(replica)
            #expect(after.leaves.allSatisfy { $0.sharded != nil || $0.value.rank == 0 })
            resident.append(after.residentByteCount)
            pieces.append(after)
        }
        let total = full.residentByteCount
        for bytes in resident { #expect(abs(Double(bytes) / Double(total) - 0.25) < 0.01, "\(bytes) of \(total)") }
        // The four processes' shards together give back every value.
        for (position, path) in full.paths.enumerated() {
            let leaf = full.leaves[position]
            let shards = pieces.flatMap { $0[path]?.sharded?.addressableShards ?? [] }
            if leaf.value.rank == 0 { continue }
            #expect(try ShardedTensor.assemble(IndexBox(covering: leaf.shape), dtype: leaf.dtype, from: shards) == leaf.value)
        }
    }

    @Test func splitMergeAndGatherCarryShards() throws {
        let model = GPT2(GPT2Config(vocabularySize: 16, positions: 8, width: 8, layers: 1, heads: 2), key: RandomKey(seed: 1))
        let original = Self.fsdpSpecs(try Graph.state(model))
        let mesh = try Mesh(["fsdp": 3])
        let sharded = try original.sharded(over: mesh)
        let (graphdef, _) = try Graph.split(model)
        let rebuilt = try Graph.merge(graphdef, sharded)
        let again = try Graph.state(rebuilt)
        #expect(again == sharded)
        #expect(try again.gathered() == original)
        #expect(sharded.description.contains("sharded"))
    }

    @Test func leavesWithoutASpecStayOrdinaryTensors() throws {
        let leaf = VariableState(kind: .param, value: Tensor([1, 2, 3] as [Float]))
        let mesh = try Mesh(["fsdp": 2], processIndex: 1, processCount: 2)
        #expect(try leaf.sharded(over: mesh) == leaf)
        var annotated = leaf
        annotated.metadata.sharding = ["data"]
        #expect(throws: ShardingError.atPath(["w"], .unknownAxis("data", spec: ["data"], meshAxes: ["fsdp"]))) {
            try State(flat: [(Path(["w"]), annotated)]).sharded(over: mesh)
        }
    }
}
