import Arbor
import Testing

@Suite("Editing a State: the setter, set, insert, remove, tuple literals")
struct StateEditingTests {
    private func leaf(_ values: [Float], kind: VariableKind = .param) -> VariableState {
        VariableState(kind: kind, value: Tensor(values))
    }

    private func layers() throws -> State {
        // Failed before: `State(flat: [(["layers", 0, "bias"], leaf)])` needed `as Path` on every path.
        try State(flat: [(["layers", 0, "bias"], leaf([0, 0])), (["layers", 0, "weight"], leaf([1, 1, 1]))])
    }

    @Test("path literals type-check inside the tuples of `State(flat:)` and `PureDict(flat:)`")
    func pathLiteralsInTuples() throws {
        let state = try layers()
        #expect(state.paths == [["layers", 0, "bias"], ["layers", 0, "weight"]])
        let dict = try PureDict(flat: [(["a", 1], Tensor([2] as [Float]))])
        #expect(dict.tensor(at: ["a", 1]) == Tensor([2] as [Float]))
    }

    @Test("the subscript setter replaces a leaf that fits")
    func setterReplaces() throws {
        var state = try layers()
        // Failed before: `state[["layers", 0, "bias"]] = VariableState(...)` did not compile.
        state[["layers", 0, "bias"]] = VariableState(kind: .param, value: Tensor([1, 2] as [Float]))
        #expect(state[["layers", 0, "bias"]]?.value == Tensor([1, 2] as [Float]))
        state[["layers", 0, "bias"]] = nil
        #expect(state.paths == [["layers", 0, "weight"]])
    }

    @Test("an assignment that does not fit traps (a programming error, like an index out of range)")
    func setterTrapsOnMismatch() async {
        await #expect(processExitsWith: .failure) {
            guard var state = try? State(flat: [(["w"], VariableState(kind: .param, value: Tensor([1, 2] as [Float])))]) else {
                return   // exits successfully, so the expectation fails
            }
            state[["w"]] = VariableState(kind: .param, value: Tensor([1, 2, 3] as [Float]))
        }
        await #expect(processExitsWith: .failure) {
            guard var state = try? State(flat: [(["w"], VariableState(kind: .param, value: Tensor([1, 2] as [Float])))]) else {
                return
            }
            state[["new"]] = VariableState(kind: .param, value: Tensor([1] as [Float]))   // a new path: use insert
        }
    }

    @Test("set(_:at:) makes update's checks: path, shape, dtype, kind")
    func setChecks() throws {
        var state = try layers()
        let before = state
        #expect(throws: StateMismatchError.self) { try state.set(leaf([1, 2, 3]), at: ["layers", 0, "bias"]) }
        #expect(throws: StateMismatchError.self) { try state.set(leaf([1, 2], kind: .batchStat), at: ["layers", 0, "bias"]) }
        let wrongDType = VariableState(kind: .param, value: Tensor([1, 2] as [Double]))
        #expect(throws: StateMismatchError.self) { try state.set(wrongDType, at: ["layers", 0, "bias"]) }
        do {
            try state.set(leaf([1, 2]), at: ["layers", "0", "bias"])
            Issue.record("an unknown path must fail")
        } catch {
            #expect(error.problems.first?.path == ["layers", "0", "bias"])
            #expect(error.description.contains("layers/0/bias"))   // the suggestion
        }
        #expect(state == before)
    }

    @Test("a new path is added only by insert, which refuses duplicates and conflicts")
    func insertAddsPaths() throws {
        var state = try layers()
        try state.insert(leaf([7]), at: ["layers", 1, "bias"])
        try state.insert(leaf([8]), at: ["head"])
        #expect(state.paths.map(\.description) == ["head", "layers/0/bias", "layers/0/weight", "layers/1/bias"])
        #expect(throws: StateError.duplicatePath(["head"])) { try state.insert(leaf([8]), at: ["head"]) }
        #expect(throws: StateError.pathConflict(leaf: ["head"], inner: ["head", "w"])) {
            try state.insert(leaf([8]), at: ["head", "w"])
        }
        #expect(throws: StateError.pathConflict(leaf: ["layers", 0], inner: ["layers", 0, "bias"])) {
            try state.insert(leaf([8]), at: ["layers", 0])
        }
        #expect(state.remove(at: ["head"]) == leaf([8]))
        #expect(state.remove(at: ["head"]) == nil)
    }
}
