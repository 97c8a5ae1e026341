import Arbor
import Testing

/// The example of the Sharding article (ShardingState.md in Sources/Arbor/Arbor.docc), compiled
/// and run; `DocumentationExampleTests` checks the article's lines are these lines.
@Suite struct ShardingStateArticleTests {
    final class Wide: Module {
        let weight: Param, bias: Param
        init() {
            weight = Param(shape: [8, 4], sharding: ["fsdp", nil])   // rows over "fsdp"
            bias = Param(shape: [4])                                  // no spec: replicated
        }
    }

    @Test func shardAndGather() throws {
        let model = Wide()
        let mesh = try Mesh(["fsdp": 4])                  // four devices, all in this process
        let state = try Graph.state(model)
        let sharded = try state.sharded(over: mesh)       // each leaf split by its own spec
        try Graph.update(model, sharded)                  // the model now holds shards
        let whole = try Graph.state(model).gathered()     // the whole values back
        print(whole == state)                             // true
        #expect(whole == state)
        #expect(sharded[["weight"]]?.sharded != nil && sharded[["bias"]]?.sharded == nil)
    }
}
