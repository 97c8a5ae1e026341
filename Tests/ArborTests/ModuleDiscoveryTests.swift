import Testing
@testable import Arbor

/// How modules are read: properties of every shape, `_` properties, wrappers,
/// and the errors for what cannot be read.
@Suite struct ModuleDiscoveryTests {
    struct Pair: Codable {
        var first: Param
        var second: Param?
        var label: String
    }

    final class Mixed: Module {
        var pair = Pair(first: Param(Tensor(zeros: [1])), second: nil, label: "p")
        var grid: [[Param]] = [[Param(Tensor(zeros: [1]))], [Param(Tensor(zeros: [2])), Param(Tensor(zeros: [3]))]]
        var maybe: [Dense?] = [nil, Dense(1, 2)]
        var layers: [AnyModule] = [AnyModule(Dense(1, 1)), AnyModule(Norm(2))]
        var rate: Double = 0.5
        var flag = true
        var small: Int8 = -3
        var _cache: [Param]? = [Param(Tensor(zeros: [9]))]
        var _note = "kept"
        weak var _parent: Mixed?
        init() {}
    }

    @Test func everyContainerShapeIsDiscovered() throws {
        let model = Mixed()
        model._parent = model
        model._note = "changed"
        let (graphdef, state) = try Graph.split(model)
        #expect(state.paths.map(\.description) == [
            "grid/0/0", "grid/1/0", "grid/1/1",
            "layers/0/bias", "layers/0/weight", "layers/1/mean", "layers/1/scale",
            "maybe/1/bias", "maybe/1/weight",
            "pair/first",
        ])
        let copy = try Graph.merge(graphdef, state)
        #expect(copy.grid[1][1].shape == [3])
        #expect(copy.maybe[0] == nil && copy.maybe[1]?.features == 2)
        #expect(copy.layers[0].base is Dense && copy.layers[1].base is Norm)
        #expect(copy.pair.label == "p" && copy.pair.second == nil)
        #expect(copy.rate == 0.5 && copy.flag && copy.small == -3)
        #expect(copy._note == "changed")       // plain data under `_` is kept
        #expect(copy._cache == nil)            // objects under `_` are not restored
    }

    @Test func underscoreObjectsAreNotStateAndNotRestored() throws {
        final class Holder: Module {
            var dense = Dense(1, 1)
            var _helper: Dense? = Dense(2, 2)
            init() {}
        }
        let (graphdef, state) = try Graph.split(Holder())
        #expect(state.paths == [["dense", "bias"], ["dense", "weight"]])
        let copy = try Graph.merge(graphdef, state)
        #expect(copy._helper == nil)

        final class Strict: Module {
            var _helper = Dense(2, 2)
            init() {}
        }
        let (strictDef, strictState) = try Graph.split(Strict())
        let error = #expect(throws: GraphError.self) { try Graph.merge(strictDef, strictState) }
        guard case .decodingFailed(let path, let message)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path == ["_helper"] && message.contains("declare it optional"))
    }

    @Test func cyclesAreErrorsNamingBothPaths() throws {
        final class Node: Module {
            var child: Node?
            var weight = Param(Tensor(zeros: [1]))
            init() {}
        }
        let root = Node(), middle = Node()
        root.child = middle
        middle.child = root
        #expect(throws: GraphError.cycle(path: ["child", "child"], ancestor: .root)) { try Graph.split(root) }
        middle.child = nil
        #expect(try Graph.state(root).count == 2)
    }

    @Test func subclassPropertiesMissingFromCodableAreReported() throws {
        class Base: Module {
            var weight = Param(Tensor(zeros: [1]))
            init() {}
        }
        final class Derived: Base {
            var extra = Param(Tensor(zeros: [2]))
            override init() { super.init() }
            required init(from decoder: any Decoder) throws { try super.init(from: decoder) }
        }
        let error = #expect(throws: GraphError.self) { try Graph.split(Derived()) }
        #expect(error == .unencodedProperty(path: ["extra"], type: "Derived"))
        #expect(error?.description.contains("make Derived final") == true)
    }

    @Test func customCodingFailuresCarryThePath() throws {
        struct Boom: Error {}
        final class Faulty: Module {
            var fine = Param(Tensor(zeros: [1]))
            init() {}
            func encode(to encoder: any Encoder) throws { throw Boom() }
            init(from decoder: any Decoder) throws { throw Boom() }
        }
        final class Outer: Module {
            var inner = Faulty()
            init() {}
        }
        let error = #expect(throws: GraphError.self) { try Graph.split(Outer()) }
        guard case .encodingFailed(let path, _)? = error else { Issue.record("expected encodingFailed"); return }
        #expect(path == ["inner"])

        final class ThrowsOnDecode: Module {
            var weight = Param(Tensor(zeros: [1]))
            init() {}
            init(from decoder: any Decoder) throws {
                struct Refused: Error {}
                throw Refused()
            }
        }
        final class Wrapper: Module {
            var part = ThrowsOnDecode()
            init() {}
        }
        let (graphdef, state) = try Graph.split(Wrapper())
        let decodeError = #expect(throws: GraphError.self) { try Graph.merge(graphdef, state) }
        guard case .decodingFailed(let decodePath, _)? = decodeError else { Issue.record("expected decodingFailed"); return }
        #expect(decodePath == ["part"])
    }

    @Test func mergeChecksStatesAgainstTheGraphDef() throws {
        let (graphdef, state) = try Graph.split(Stack(widths: [2, 2]))
        let parts = try state.split(.param, .everything)
        // A leaf given twice, and a missing one.
        let error = #expect(throws: GraphError.self) { try Graph.merge(graphdef, parts[0], parts[0]) }
        guard case .mismatch(let mismatch)? = error else { Issue.record("expected mismatch"); return }
        #expect(mismatch.problems.map(\.description) == [
            "layers/0/bias: given 2 times", "layers/0/weight: given 2 times",
            "norm/mean: missing (BatchStat F32 [2])", "norm/scale: given 2 times",
        ])
        // Tuples and single modules are not interchangeable.
        let (pairDef, pairState) = try Graph.split(Dense(1, 1), Dense(1, 1))
        #expect(throws: GraphError.self) { try Graph.merge(GraphDef<Dense>(root: pairDef.root, objects: pairDef.objects,
            objectPaths: pairDef.objectPaths, leafPaths: pairDef.leafPaths, leaves: pairDef.leaves, aliases: pairDef.aliases),
            pairState) }
    }
}
