import Foundation
import Testing
@testable import Arbor

/// The user problems of DESIGN §1, each as a test.
@Suite struct ScenarioTests {
    /// Problem 1: a list of layers → pure dict → keys stringified as a JSON round
    /// trip does → replace(byPureDict:) puts each value in the right layer.
    @Test func problem1StringifiedKeysLoadIntoTheRightLayers() throws {
        let model = Stack(widths: [2, 3, 4, 5], norm: false)
        var state = try Graph.state(model)
        var dict = state.toPureDict()
        #expect(dict[["layers", 0]] != nil)
        // Change values so we can see where they land, then lose the key types.
        var flat = dict.flat
        for position in flat.indices where flat[position].path.last == "bias" {
            let layer = flat[position].path.keys[1].index!
            let count = flat[position].value.elementCount
            flat[position].value = tensor([Float](repeating: Float(100 + layer), count: count), [count])
        }
        dict = try PureDict(flat: flat).stringifyingKeys()
        #expect(dict[["layers", 0]] == nil)
        #expect(dict[["layers", "0"]] != nil)

        try state.replace(byPureDict: dict)
        try Graph.update(model, state)
        #expect(floats(model.layers[0].bias.value) == [100, 100, 100])
        #expect(floats(model.layers[2].bias.value) == [102, 102, 102, 102, 102])
        #expect(state.paths[0].keys[1] == .index(0))
    }

    /// Problem 1, the other half: real string keys "0" and "1" must still match
    /// exactly (the fix that always int()'d keys broke these).
    @Test func problem1GenuineStringKeysStillRoundTrip() throws {
        let model = StringKeyed()
        var state = try Graph.state(model)
        let dict = state.toPureDict()
        #expect(dict[["experts", "0", "bias"]] != nil)
        // Through JSON-like stringification too (a no-op here, by construction).
        try state.replace(byPureDict: dict.stringifyingKeys())
        #expect(state.paths.allSatisfy { $0.keys[1].name != nil })
        try Graph.update(model, state)
        #expect(model.experts["1"]?.features == 3)
    }

    /// Problem 2: restore into an abstract target; a wrong shape, a wrong dtype,
    /// a missing and an extra key in one input give one error naming all four.
    @Test func problem2AbstractTargetReportsEveryMismatchAtOnce() throws {
        let target = try Graph.evalShape { Stack(widths: [2, 3], norm: true) }
        let targetState = try Graph.state(target)
        #expect(targetState.leaves.allSatisfy { $0.value.isAbstract })

        var entries = try Graph.state(Stack(widths: [2, 3], norm: true)).flat.map { ($0.path, $0.leaf) }
        entries.removeAll { $0.0 == ["norm", "mean"] }                                             // missing
        entries[entries.firstIndex { $0.0 == ["layers", 0, "bias"] }!].1.value = Tensor(zeros: [5])  // shape
        entries[entries.firstIndex { $0.0 == ["norm", "scale"] }!].1.value = Tensor(zeros: [3], dtype: .float16) // dtype
        entries.append((["layers", 0, "extra"], VariableState(kind: .param, value: Tensor(zeros: [1]))))  // extra
        let restored = try State(flat: entries)

        let error = #expect(throws: StateMismatchError.self) { try restored.validate(against: targetState) }
        #expect(error?.problems.map(\.path.description) == ["layers/0/bias", "layers/0/extra", "norm/mean", "norm/scale"])
        let text = error?.description ?? ""
        #expect(text.contains("layers/0/bias: wrong shape: expected [3], found [5]"))
        #expect(text.contains("layers/0/extra: unexpected"))
        #expect(text.contains("norm/mean: missing (BatchStat F32 [3])"))
        #expect(text.contains("norm/scale: wrong dtype: expected F32, found F16"))

        // Merging the same state into the abstract model's GraphDef reports the same four.
        let (graphdef, _) = try Graph.split(target)
        let mergeError = #expect(throws: GraphError.self) { try Graph.merge(graphdef, restored) }
        guard case .mismatch(let mismatch)? = mergeError else { Issue.record("expected a mismatch"); return }
        #expect(mismatch.problems.count == 4)
    }

    /// Problem 3: the sharding workflow. state → map (attach a sharding spec
    /// from each variable's metadata) → update; leaves are VariableState all along.
    @Test func problem3ShardingWorkflowKeepsVariableStateLeaves() throws {
        let model = Stack(widths: [4, 8], norm: false)
        model.layers[0].weight.metadata["axes"] = "embed,mlp"
        model.layers[0].bias.metadata["axes"] = "mlp"
        let state = try Graph.state(model, .param)
        let leafType: Any.Type = type(of: state.flat[0].leaf)
        #expect(ObjectIdentifier(leafType) == ObjectIdentifier(VariableState.self))

        let sharded = state.map { _, leaf -> VariableState in
            var leaf = leaf
            if let axes = leaf.metadata["axes"] {
                leaf.metadata.sharding = ShardingSpec(axes.split(separator: ",").map { $0 == "embed" ? nil : String($0) })
            }
            return leaf
        }
        #expect(sharded[["layers", 0, "weight"]]?.metadata.sharding == ShardingSpec([nil, "mlp"]))
        try Graph.update(model, sharded)
        #expect(model.layers[0].weight.metadata.sharding == ShardingSpec([nil, "mlp"]))
        #expect(model.layers[0].bias.metadata.sharding == ShardingSpec(["mlp"]))
        #expect(try Graph.state(model, .param) == sharded)
    }

    /// A 10-billion-parameter model built abstractly: no bytes, fast.
    @Test func abstractTenBillionParameterModel() throws {
        final class Big: Module {
            let blocks: [Dense]
            init() { blocks = (0..<100).map { _ in Dense(10_000, 10_000) } }
        }
        let model = try Graph.evalShape { Big() }
        let state = try Graph.state(model)
        #expect(state.count == 200)
        #expect(state.elementCount == 100 * (10_000 * 10_000 + 10_000))
        #expect(state.elementCount > 10_000_000_000)
        #expect(state.byteCount == state.elementCount * 4)
        #expect(state.leaves.allSatisfy { $0.value.isAbstract })
        #expect(!Graph.isEvaluatingShape)
    }
}
