import Testing
@testable import Arbor

@Suite struct PureDictTests {
    @Test func toPureDictNestsTensorsByTypedKeys() throws {
        let state = try Graph.state(Stack(widths: [2, 3], norm: false))
        let dict = state.toPureDict()
        guard case .node(let top) = dict, case .node(let layers)? = top["layers"] else {
            Issue.record("expected nested nodes")
            return
        }
        #expect(Array(layers.keys) == [.index(0)])
        #expect(dict.tensor(at: ["layers", 0, "weight"])?.shape == [2, 3])
        #expect(dict.tensor(at: ["layers", 0]) == nil)
        #expect(dict.flat.map(\.path) == state.paths)
        #expect(try PureDict(flat: dict.flat) == dict)
        #expect(State().toPureDict() == .node([:]))
    }

    @Test func stringifyAndRestoreIntPaths() throws {
        let dict = try PureDict(flat: [(Path(["layers", 0, "b"]), Tensor(zeros: [1])), (Path(["layers", 1, "b"]), Tensor(zeros: [1]))])
        let stringified = dict.stringifyingKeys()
        #expect(stringified.flat.map(\.path) == [["layers", "0", "b"], ["layers", "1", "b"]])
        #expect(stringified.restoringIntPaths() == dict)
        let mixed = try PureDict(flat: [(Path(["m", "0"]), Tensor(zeros: [1])), (Path(["m", 0]), Tensor(zeros: [1]))])
        #expect(mixed.restoringIntPaths() == mixed)
        #expect(throws: StateError.self) {
            try PureDict(flat: [(Path(["a"]), Tensor(zeros: [1])), (Path(["a", "b"]), Tensor(zeros: [1]))])
        }
    }

    @Test func replaceMatchesExactKeysFirstThenConvertsDigitStrings() throws {
        let state = try Graph.state(Stack(widths: [2, 2, 2], norm: false))
        var copy = state
        var flat = state.toPureDict().stringifyingKeys().flat
        flat[0].value = Tensor([7, 7] as [Float])   // layers/"0"/bias
        try copy.replace(byPureDict: PureDict(flat: flat))
        #expect(floats(copy[["layers", 0, "bias"]]!.value) == [7, 7])
        #expect(copy.paths == state.paths)
        #expect(copy[["layers", 0, "bias"]]?.kind == .param)
    }

    @Test func replaceReportsEveryProblemWithSuggestionsAndChangesNothing() throws {
        let state = try Graph.state(Stack(widths: [2, 2, 2], norm: false))
        var copy = state
        let dict = try PureDict(flat: [
            (Path(["layers", 0, "bias"]), Tensor(zeros: [3])),                          // wrong shape
            (Path(["layers", 0, "weight"]), Tensor(zeros: [2, 2], dtype: .float16)),    // wrong dtype
            (Path(["layers", "1", "bais"]), Tensor(zeros: [2])),                        // spelling
            (Path(["layers.1.weight"]), Tensor(zeros: [2, 2])),                         // separator
        ])
        let error = #expect(throws: StateMismatchError.self) { try copy.replace(byPureDict: dict) }
        #expect(copy == state)
        let lines = error?.problems.map(\.description) ?? []
        #expect(lines.contains("layers/0/bias: wrong shape: expected [2], found [3]"))
        #expect(lines.contains("layers/0/weight: wrong dtype: expected F32, found F16"))
        #expect(lines.contains("layers/1/bias: missing (Param F32 [2])"))
        #expect(lines.contains("layers/1/bais: unexpected — did you mean `layers/1/bias`? (spelling)"))
        #expect(lines.contains("layers.1.weight: unexpected — did you mean `layers/1/weight`? (different separator)"))
        #expect(error?.missingPaths == [["layers", 1, "bias"], ["layers", 1, "weight"]])
        #expect(error?.unexpectedPaths.count == 2)
    }

    @Test func replaceAllowsPartialWhenAsked() throws {
        var state = try Graph.state(Stack(widths: [2, 2], norm: false))
        let dict = try PureDict(flat: [(Path(["layers", 0, "bias"]), Tensor([1, 2] as [Float]))])
        #expect(throws: StateMismatchError.self) { try state.replace(byPureDict: dict) }
        try state.replace(byPureDict: dict, allowPartial: true)
        #expect(floats(state[["layers", 0, "bias"]]!.value) == [1, 2])
    }

    @Test func keyTypeNearMiss() throws {
        let target = try Graph.state(Stack(widths: [2, 2], norm: false))
        let given = try State(flat: [(Path(["layers", "x", "bias"]), VariableState(kind: .param, value: Tensor(zeros: [2]))),
                                     (Path(["layers", "0", "weight"]), VariableState(kind: .param, value: Tensor(zeros: [2, 2])))])
        let problems = given.mismatches(against: target)
        #expect(problems.map(\.description).contains(
            "layers/0/weight: unexpected — did you mean `layers/0/weight`? (integer key stored as a string, or the reverse)"))
    }
}
