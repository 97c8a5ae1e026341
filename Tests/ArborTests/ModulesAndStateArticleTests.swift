import Arbor
import Foundation
import Testing

/// The examples of the Modules and State article (Sources/Arbor/Arbor.docc),
/// compiled and run; `DocumentationExampleTests` checks the article's lines
/// are these lines.
@Suite struct ModulesAndStateArticleTests {
    final class Block: Module {
        let weight: Param, bias: Param
        let runningMean: BatchStat
        init(_ width: Int) {
            weight = Param(shape: [width, width])
            bias = Param(shape: [width])
            runningMean = BatchStat(shape: [width])
        }
    }
    final class Stack: Module {
        let layers: [Block]
        init(depth: Int, width: Int) { layers = (0..<depth).map { _ in Block(width) } }
    }

    final class LoRAParam: Param {}

    final class Tied: Module {
        let embedding: Param
        let head: Param
        init() {
            embedding = Param(shape: [10, 4])
            head = embedding
        }
    }

    @Test func splitFilterEditMerge() throws {
        let model = Stack(depth: 2, width: 4)
        let (graphdef, state) = try Graph.split(model)
        let copy = try Graph.merge(graphdef, state)        // a new Stack, same values
        #expect(copy !== model && state.count == 6)

        let params = state.filter(.param)                        // Param and its subclasses
        let stats = state.filter(.kind(BatchStat.self))
        let firstLayer = state.filter(.under(["layers", 0]))
        let parts = try state.split(.param, .everything)         // params, then the rest
        let (def, split) = try Graph.split(model, .param, .batchStat)
        let rebuilt = try Graph.merge(def, split[0], split[1])
        #expect(params.count == 4 && stats.count == 2 && firstLayer.count == 3)
        #expect(parts.map(\.count) == [4, 2])
        #expect(try Graph.state(rebuilt) == state)
        let lora = VariableState(kind: VariableKind(of: LoRAParam.self), value: Tensor(zeros: [2]))
        let withLoRA = try State(flat: [(["adapter"], lora)])
        #expect(withLoRA.filter(.param).count == 1 && withLoRA.filter(.kind(LoRAParam.self)).count == 1)

        let bias = state[["layers", 0, "bias"]]
        let leaf = VariableState(kind: .param, value: Tensor([1, 2, 3, 4] as [Float]))
        var edited = state
        edited[["layers", 0, "bias"]] = leaf                     // same checks as Graph.update
        let built = try State(flat: [(["layers", 0, "bias"], leaf)])
        #expect(bias?.shape == [4] && built.count == 1)

        try Graph.update(model, edited.filter(.param))
        #expect(model.layers[0].bias.value == leaf.value)

        let json = try JSONEncoder().encode(state.toPureDict())
        var target = try Graph.state(Graph.evalShape { Stack(depth: 2, width: 4) })
        try target.replace(byPureDict: JSONDecoder().decode(PureDict.self, from: json))
        try target.validate(against: graphdef.abstractState)
        #expect(target == state)
    }

    @Test func sharedVariables() throws {
        let tied = Tied()
        let (tiedDef, tiedState) = try Graph.split(tied)
        print(tiedState.paths)                              // [embedding]
        print(try Graph.findDuplicates(tied))               // [[embedding, head]]
        let again = try Graph.merge(tiedDef, tiedState)
        print(again.embedding === again.head)               // true
        #expect(tiedState.paths == [["embedding"]])
        #expect(try Graph.findDuplicates(tied) == [[["embedding"], ["head"]]])
        #expect(again.embedding === again.head)
    }
}
