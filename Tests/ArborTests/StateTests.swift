import Testing
@testable import Arbor

@Suite struct StateTests {
    func leaf(_ values: [Float], kind: VariableKind = .param) -> VariableState {
        VariableState(kind: kind, value: Tensor(values, shape: [values.count]))
    }

    @Test func flatConstructionSortsAndValidates() throws {
        let state = try State(flat: [(Path(["b"]), leaf([1])), (Path(["a", 10]), leaf([2])), (Path(["a", 2]), leaf([3]))])
        #expect(state.paths.map(\.description) == ["a/2", "a/10", "b"])
        #expect(state.flat.map(\.leaf) == [leaf([3]), leaf([2]), leaf([1])])
        #expect(state.count == 3 && !state.isEmpty && State().isEmpty)
        #expect(throws: StateError.duplicatePath(["a"])) {
            try State(flat: [(Path(["a"]), leaf([1])), (Path(["a"]), leaf([2]))])
        }
        #expect(throws: StateError.pathConflict(leaf: ["a"], inner: ["a", "b"])) {
            try State(flat: [(Path(["a", "b"]), leaf([1])), (Path(["a"]), leaf([2]))])
        }
    }

    @Test func lookupSubtreeAndCounts() throws {
        let state = try Graph.state(Stack(widths: [2, 3]))
        #expect(state[["layers", 0, "weight"]]?.shape == [2, 3])
        #expect(state[["layers", 9]] == nil)
        let layer = state.subtree(at: ["layers", 0])
        #expect(layer.paths == [["bias"], ["weight"]])
        #expect(state.topLevelKeys == ["layers", "norm"])
        #expect(state.elementCount == 3 + 6 + 3 + 3)
        #expect(state.byteCount == 4 * 15)
        #expect(state.abstract.leaves.allSatisfy { $0.value.isAbstract })
    }

    @Test func mapKeepsPathsAndChangesLeaves() throws {
        let state = try Graph.state(Stack(widths: [2, 2], norm: false))
        let doubled = state.map { _, leaf in
            var leaf = leaf
            leaf.value = Tensor(leaf.value.scalars(as: Float.self).map { $0 * 2 }, shape: leaf.shape)
            return leaf
        }
        #expect(doubled.paths == state.paths)
        #expect(floats(doubled[["layers", 0, "weight"]]!.value) == [2, 2, 2, 2])
        struct Stop: Error {}
        #expect(throws: Stop.self) { try state.map { _, _ throws(Stop) -> VariableState in throw Stop() } }
    }

    @Test func splitPartitionsAndMergeJoins() throws {
        let state = try Graph.state(Stack(widths: [2, 3]))
        let parts = try state.split(.param, .everything)
        #expect(parts.map(\.count) == [3, 1])
        #expect(try State.merge(parts) == state)
        #expect(try State.merge(parts[1], parts[0]) == state)
        #expect(throws: StateError.unmatchedPath(["norm", "mean"])) { try state.split(.param) }
        #expect(throws: StateError.catchAllNotLast(position: 0, count: 2)) { try state.split(.everything, .param) }
        #expect(throws: StateError.duplicatePath(["layers", 0, "bias"])) { try State.merge(state, parts[0]) }
    }

    @Test func diffReportsAddedRemovedAndChanged() throws {
        let a = try State(flat: [(Path(["x"]), leaf([1])), (Path(["y"]), leaf([2]))])
        var entries = a.flat.map { ($0.path, $0.leaf) }
        entries[0].1 = leaf([5])
        entries[1].1.metadata.sharding = ShardingSpec(["data"])
        entries.append((["z"], leaf([3])))
        let b = try State(flat: entries)
        let diff = a.diff(b)
        #expect(diff.added == [["z"]] && diff.removed == [])
        #expect(diff.changed.map(\.path) == [["x"], ["y"]])
        #expect(diff.changed[0].value && !diff.changed[0].shape)
        #expect(diff.changed[1].metadata && !diff.changed[1].value)
        #expect(diff.description == "+ z\n~ x: value\n~ y: metadata")
        #expect(a.diff(a).isEmpty && a.diff(a).description == "no differences")
        #expect(b.diff(a).removed == [["z"]])
    }

    @Test func descriptionIsATreeWithCounts() throws {
        let state = try Graph.state(Stack(widths: [2, 2], norm: false))
        #expect(state.description == """
            State: 2 variables, 6 elements, 24 B
              layers
                0
                  bias: Param F32 [2]
                  weight: Param F32 [2, 2]
            """)
        #expect(State.formatBytes(1536) == "1.5 KiB")
        #expect(State.formatBytes(3 * 1024 * 1024 * 1024) == "3.0 GiB")
    }

    @Test func restoringIntPathsConvertsDigitNames() throws {
        let state = try State(flat: [(Path(["layers", "0", "w"]), leaf([1])), (Path(["layers", "1", "w"]), leaf([2]))])
        #expect(state.restoringIntPaths().paths == [["layers", 0, "w"], ["layers", 1, "w"]])
        let mixed = try State(flat: [(Path(["m", "0"]), leaf([1])), (Path(["m", 0]), leaf([2]))])
        #expect(mixed.restoringIntPaths() == mixed)
    }
}
