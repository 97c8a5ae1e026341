import Testing
@testable import Arbor

@Suite struct SplitMergeTests {
    @Test func splitListsEveryVariableSortedWithTypedKeys() throws {
        let model = Stack(widths: [2, 3, 4], heads: ["b", "a"])
        let (graphdef, state) = try Graph.split(model)
        #expect(state.paths.map(\.description) == [
            "heads/a/bias", "heads/a/weight", "heads/b/bias", "heads/b/weight",
            "layers/0/bias", "layers/0/weight", "layers/1/bias", "layers/1/weight",
            "norm/mean", "norm/scale",
        ])
        #expect(state[["layers", 0, "weight"]]?.shape == [2, 3])
        #expect(state[["layers", "0", "weight"]] == nil)
        #expect(state[["norm", "mean"]]?.kind == .batchStat)
        #expect(graphdef.variableCount == 10)
        #expect(graphdef.paths == state.paths)
    }

    @Test func mergeBuildsNewObjectsOfTheRightTypesWithTheValues() throws {
        let model = Stack(widths: [2, 3, 4], heads: ["x"])
        model.name = "renamed"
        model.norm?.epsilon = 0.25
        let (graphdef, state) = try Graph.split(model)
        let copy = try Graph.merge(graphdef, state)
        #expect(copy !== model)
        #expect(copy.layers.count == 2)
        #expect(copy.layers[0] !== model.layers[0])
        #expect(copy.layers[0].weight !== model.layers[0].weight)
        #expect(floats(copy.layers[1].weight.value) == [Float](repeating: 2, count: 12))
        #expect(copy.layers[1].features == 4)
        #expect(copy.name == "renamed")
        #expect(copy.norm?.epsilon == 0.25)
        #expect(copy.heads.keys.sorted() == ["x"])
        #expect(copy._scratch == [])
        #expect(try Graph.state(copy) == state)
    }

    @Test func optionalNilIsAbsentAndComesBackNil() throws {
        let model = Stack(widths: [2, 2], norm: false)
        let (graphdef, state) = try Graph.split(model)
        #expect(!state.paths.contains { $0.first == "norm" })
        let copy = try Graph.merge(graphdef, state)
        #expect(copy.norm == nil)
    }

    @Test func mergeAcceptsSplitPartsInAnyOrder() throws {
        let model = Stack(widths: [2, 3])
        let (graphdef, parts) = try Graph.split(model, .param, .everything)
        #expect(parts.count == 2)
        #expect(parts[1].paths == [["norm", "mean"]])
        let copy = try Graph.merge(graphdef, parts[1], parts[0])
        #expect(try Graph.state(copy) == State.merge(parts))
    }

    @Test func intKeyedDictionariesGiveIndexKeysInNumericOrder() throws {
        let (graphdef, state) = try Graph.split(IntKeyed())
        #expect(state.paths.map(\.description) == ["blocks/2/bias", "blocks/2/weight", "blocks/10/bias", "blocks/10/weight"])
        #expect(state.paths[0].keys[1] == .index(2))
        let copy = try Graph.merge(graphdef, state)
        #expect(copy.blocks.keys.sorted() == [2, 10])
    }

    @Test func stringKeysThatSpellNumbersStayNames() throws {
        let (graphdef, state) = try Graph.split(StringKeyed())
        #expect(state.paths.allSatisfy { $0.keys[1].name != nil })
        let copy = try Graph.merge(graphdef, state)
        #expect(copy.experts["1"]?.features == 3)
    }

    @Test func cloneIsDeepAndIndependent() throws {
        let model = Stack(widths: [2, 2])
        let copy = try Graph.clone(model)
        copy.layers[0].weight.value = tensor([9, 9, 9, 9], [2, 2])
        #expect(floats(model.layers[0].weight.value) == [1, 1, 1, 1])
        #expect(try Graph.state(copy).diff(Graph.state(model)).changed.map(\.path) == [["layers", 0, "weight"]])
    }

    @Test func graphDefsAreEqualForStructurallyIdenticalModels() throws {
        let a = try Graph.split(Stack(widths: [2, 3])).0
        let b = try Graph.split(Stack(widths: [2, 3])).0
        let c = try Graph.split(Stack(widths: [2, 4])).0
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(Set([a, b, c]).count == 2)
    }

    @Test("long lists and large dictionaries keep every child, in order, through split and merge")
    func longContainers() throws {
        let model = Stack(widths: Array(repeating: 1, count: 301), norm: false,
                          heads: (0..<40).map { "h\($0)" })
        let (graphdef, state) = try Graph.split(model)
        #expect(state.paths.count == 2 * 300 + 2 * 40)
        #expect(state.paths == state.paths.sorted())
        let layerPaths = state.paths.filter { $0.first == .name("layers") }
        #expect(layerPaths.map { $0[1] } == (0..<300).flatMap { [PathKey.index($0), .index($0)] })
        let copy = try Graph.merge(graphdef, state)
        #expect(copy.layers.count == 300)
        #expect(copy.layers.enumerated().allSatisfy { floats($0.element.weight.value) == [Float($0.offset + 1)] })
        #expect(copy.heads.keys.sorted() == model.heads.keys.sorted())
        #expect(try Graph.state(copy) == state)
    }
}
