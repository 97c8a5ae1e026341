import Testing
@testable import Arbor

/// `update`, `pop`, `state`, `evalShape`, GraphDef inspection.
@Suite struct GraphOperationTests {
    @Test func updateWritesInPlaceAndChecksEverything() throws {
        let model = Stack(widths: [2, 2])
        let weight = model.layers[0].weight
        var state = try Graph.state(model, .param)
        state = state.map { path, leaf in
            var leaf = leaf
            if path == ["layers", 0, "weight"] { leaf.value = tensor([4, 3, 2, 1], [2, 2]) }
            return leaf
        }
        try Graph.update(model, state)
        #expect(model.layers[0].weight === weight)
        #expect(floats(weight.value) == [4, 3, 2, 1])

        let bad = try State(flat: [
            (Path(["layers", 0, "bias"]), VariableState(kind: .param, value: Tensor(zeros: [3]))),
            (Path(["layers", 0, "weight"]), VariableState(kind: .batchStat, value: Tensor(zeros: [2, 2], dtype: .int32))),
            (Path(["layers", 0, "wieght"]), VariableState(kind: .param, value: Tensor(zeros: [2, 2]))),
        ])
        let error = #expect(throws: GraphError.self) { try Graph.update(model, bad) }
        guard case .mismatch(let mismatch)? = error else { Issue.record("expected mismatch"); return }
        #expect(mismatch.problems.map(\.description) == [
            "layers/0/bias: wrong shape: expected [2], found [3]",
            "layers/0/weight: wrong dtype: expected F32, found I32",
            "layers/0/weight: wrong kind: expected Param, found BatchStat",
            "layers/0/wieght: unexpected — did you mean `layers/0/weight`? (spelling)",
        ])
        #expect(floats(weight.value) == [4, 3, 2, 1])  // nothing written
    }

    @Test func updateCanIgnoreUnknownPaths() throws {
        let model = Dense(1, 1)
        let state = try State(flat: [(Path(["bias"]), VariableState(kind: .param, value: tensor([5], [1]))),
                                     (Path(["other"]), VariableState(kind: .param, value: tensor([1], [1])))])
        #expect(throws: GraphError.self) { try Graph.update(model, state) }
        try Graph.update(model, state, ignoringUnknownPaths: true)
        #expect(floats(model.bias.value) == [5])
    }

    @Test func popRemovesFromOptionalsAndDictionaries() throws {
        final class WithScratch: Module {
            var dense = Dense(1, 1)
            var scratch: Intermediate? = Intermediate(Tensor(zeros: [4]))
            var extra: [String: Intermediate] = ["a": Intermediate(Tensor(zeros: [1]))]
            var slots: [Intermediate?] = [Intermediate(Tensor(zeros: [2])), nil]
            init() {}
        }
        var model = WithScratch()
        let popped = try Graph.pop(&model, .kind(Intermediate.self))
        #expect(popped.paths.map(\.description) == ["extra/a", "scratch", "slots/0"])
        #expect(model.scratch == nil && model.extra.isEmpty && model.slots.count == 2 && model.slots[0] == nil)
        #expect(try Graph.state(model).count == 2)
        #expect(try Graph.pop(&model, .kind(Intermediate.self)).isEmpty)
    }

    @Test func popFromANonOptionalPropertyIsAnError() throws {
        var model = Dense(1, 1)
        let original = model
        #expect(throws: GraphError.notRemovable(path: ["bias"])) { try Graph.pop(&model, .pathContains("bias")) }
        #expect(model === original)
    }

    @Test func graphDefInspection() throws {
        let (graphdef, state) = try Graph.split(TiedLM(vocab: 2, width: 2))
        #expect(graphdef.typeName == "TiedLM")
        #expect(graphdef.description == "GraphDef<TiedLM>: 3 modules, 3 variables, shared: head/weight -> embed")
        #expect(graphdef.abstractState == state.abstract)
        let (pair, _) = try Graph.split(Dense(1, 1), Norm(1))
        #expect(pair.typeName == "(Dense, Norm)")
    }

    @Test func evalShapeBuildsAbstractModelsThatMergeAndValidate() throws {
        let abstract = try Graph.evalShape { Stack(widths: [8, 16, 4]) }
        let (graphdef, abstractState) = try Graph.split(abstract)
        #expect(abstractState.leaves.allSatisfy { $0.value.isAbstract })
        let concrete = try Graph.state(Stack(widths: [8, 16, 4]))
        try concrete.validate(against: abstractState)
        let model = try Graph.merge(graphdef, concrete)
        #expect(!model.layers[1].weight.value.isAbstract)
        #expect(model.layers[1].weight.shape == [16, 4])
        let abstractPair = try Graph.evalShape { (Dense(2, 2), Dense(3, 3)) }
        #expect(abstractPair.1.weight.value.isAbstract)
    }

    @Test func validationOptions() throws {
        let target = try Graph.state(Stack(widths: [2, 2]))
        let partial = target.filter(.param)
        #expect(throws: StateMismatchError.self) { try partial.validate(against: target) }
        try partial.validate(against: target, options: .allowMissing)
        let retyped = target.map { _, leaf in VariableState(kind: .cache, value: Tensor(zeros: leaf.shape, dtype: .float16)) }
        #expect(retyped.mismatches(against: target).count == 2 * target.count)
        try retyped.validate(against: target, options: [.ignoreKinds, .ignoreDTypes])
        try target.validate(against: partial, options: .allowUnexpected)
    }

    @Test("update refuses abstract values, naming the path")
    func updateRefusesAbstractValues() throws {
        let model = Stack(widths: [2, 3])
        let target = try Graph.state(Graph.evalShape { Stack(widths: [2, 3]) })
        let before = try Graph.state(model)
        // Failed before: this made the live model abstract, and the next read trapped.
        #expect(throws: GraphError.abstractValues(paths: target.paths)) { try Graph.update(model, target) }
        #expect(try Graph.state(model) == before)
        do {
            try Graph.update(model, target.filter(.under(["layers", 0, "bias"])))
        } catch {
            #expect(error.description.contains("layers/0/bias") && error.description.contains("evalShape"))
        }
        // An abstract model may take abstract values.
        let abstract = try Graph.evalShape { Stack(widths: [2, 3]) }
        try Graph.update(abstract, target)
    }

    @Test("merging with the wrong number of roots has its own error")
    func wrongNumberOfRoots() throws {
        let (single, state) = try Graph.split(Dense(1, 1))
        let (pair, pairState) = try Graph.split(Dense(1, 1), Norm(1))
        #expect(throws: GraphError.rootCount(expected: 2, found: 1)) {
            let _: (Dense, Dense) = try Graph.merge(GraphDef<(Dense, Dense)>.reinterpreting(single), state)
        }
        #expect(throws: GraphError.rootCount(expected: 1, found: 2)) {
            _ = try Graph.merge(GraphDef<Dense>.reinterpreting(pair), pairState)
        }
        #expect(throws: GraphError.rootCount(expected: 3, found: 2)) {
            let _: (Dense, Norm, Dense) = try Graph.merge(GraphDef<(Dense, Norm, Dense)>.reinterpreting(pair), pairState)
        }
        #expect(single.rootCount == 1 && pair.rootCount == 2)
    }

    @Test("evalShape throws when the result cannot be traversed, instead of staying partly concrete")
    func evalShapeReportsTraversalErrors() {
        final class Loop: Module {
            var child: Loop?
            var weight = Param(Tensor([1] as [Float]))
        }
        #expect(throws: GraphError.self) {
            _ = try Graph.evalShape { () -> Loop in
                let loop = Loop()
                loop.child = loop
                return loop
            }
        }
    }
}


extension GraphDef {
    /// The same structure under another root type: the only way to hand `merge`
    /// a GraphDef whose root count differs from what the call asks for (the
    /// public API keeps the two in step through `Root`).
    static func reinterpreting<Other>(_ other: GraphDef<Other>) -> GraphDef {
        GraphDef(root: other.root, objects: other.objects, objectPaths: other.objectPaths,
                 leafPaths: other.leafPaths, leaves: other.leaves, aliases: other.aliases)
    }
}
