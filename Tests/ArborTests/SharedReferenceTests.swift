import Testing
@testable import Arbor

@Suite struct SharedReferenceTests {
    @Test func tiedWeightsAppearOnceAndStayOneObjectAfterMerge() throws {
        let model = TiedLM(vocab: 3, width: 2)
        let (graphdef, state) = try Graph.split(model)
        // "embed" < "head": the table is kept under its first path in sorted order.
        #expect(state.paths.map(\.description) == ["blocks/0/bias", "blocks/0/weight", "embed"])
        #expect(graphdef.sharedPaths.map(\.alias) == [["head", "weight"]])
        #expect(graphdef.sharedPaths.map(\.original) == [["embed"]])
        let copy = try Graph.merge(graphdef, state)
        #expect(copy.embed === copy.head.weight)
        #expect(copy.embed !== model.embed)
        copy.embed.value = tensor([0, 0, 0, 0, 0, 0], [3, 2])
        #expect(floats(copy.head.weight.value) == [0, 0, 0, 0, 0, 0])
    }

    @Test func sharedSubmoduleStaysOne() throws {
        let (graphdef, state) = try Graph.split(Siamese())
        #expect(state.paths.map(\.description) == ["left/bias", "left/weight"])
        let copy = try Graph.merge(graphdef, state)
        #expect(copy.left === copy.right)
    }

    @Test func twoDistinctModulesStayDistinct() throws {
        let m1 = Dense(2, 2, fill: 1), m2 = Dense(2, 2, fill: 2)
        let (graphdef, state) = try Graph.split(m1, m2)
        #expect(state.paths.map(\.description) == ["0/bias", "0/weight", "1/bias", "1/weight"])
        #expect(state.topLevelKeys == [0, 1])
        let (a, b) = try Graph.merge(graphdef, state)
        #expect(a !== b)
        #expect(floats(a.weight.value) == [1, 1, 1, 1])
        #expect(floats(b.weight.value) == [2, 2, 2, 2])
    }

    @Test func theSameModuleTwiceIsOneModule() throws {
        let m = Dense(2, 2, fill: 5)
        let (graphdef, state) = try Graph.split(m, m)
        #expect(state.paths.map(\.description) == ["0/bias", "0/weight"])
        #expect(graphdef.sharedPaths.map(\.alias) == [[1]])
        let (a, b) = try Graph.merge(graphdef, state)
        #expect(a === b)
        #expect(a !== m)
        #expect(floats(b.weight.value) == [5, 5, 5, 5])
    }

    @Test func findDuplicatesListsEverySharedObject() throws {
        let tied = [[Path(["embed"]), Path(["head", "weight"])]]
        let siamese = [[Path(["left"]), Path(["right"])]]
        #expect(try Graph.findDuplicates(TiedLM(vocab: 2, width: 2)) == tied)
        #expect(try Graph.findDuplicates(Siamese()) == siamese)
        #expect(try Graph.findDuplicates(Stack(widths: [2, 2])) == [])
    }

    @Test func updateThroughAnAliasPathWritesTheSharedVariable() throws {
        let model = TiedLM(vocab: 1, width: 2)
        let state = try State(flat: [(Path(["head", "weight"]), VariableState(kind: .param, value: tensor([7, 8], [1, 2])))])
        try Graph.update(model, state)
        #expect(floats(model.embed.value) == [7, 8])
    }
}
