import Arbor
import ArborDistributed
import Testing

/// The example of the ArborDistributed landing page
/// (Sources/ArborDistributed/ArborDistributed.docc), compiled and run;
/// `DocumentationExampleTests` checks the page's lines are these lines.
@Suite struct ArborDistributedArticleTests {
    @Test func shardAndGatherOverThreads() throws {
        let gathered = try ThreadProcessGroup.run(ranks: 2) { group in
            let model = Linear(4, 2, key: RandomKey(seed: 0))
            let mesh = try Mesh(["fsdp": group.size], group: group)
            let state = try Graph.state(model).map { _, leaf in
                VariableState(kind: leaf.kind, value: leaf.value, metadata: .init(sharding: ["fsdp"]))
            }
            let sharded = try state.sharded(over: mesh)           // each rank keeps half of every row
            return try sharded.gathered(group: group)             // all-gather: the whole values again
        }
        let expected = try Graph.state(Linear(4, 2, key: RandomKey(seed: 0)))
        #expect(gathered.count == 2)
        #expect(gathered.allSatisfy { $0.leaves.map(\.value) == expected.leaves.map(\.value) })
    }
}
