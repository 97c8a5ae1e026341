/// Which differences `State.validate(against:options:)` tolerates.
public struct ValidationOptions: OptionSet, Hashable, Sendable {
    /// The option bits.
    public let rawValue: Int
    /// Options from their bits (`OptionSet`).
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Leaves of the target absent from the state are fine (a partial update).
    public static let allowMissing = ValidationOptions(rawValue: 1 << 0)
    /// Leaves of the state absent from the target are fine (they are ignored).
    public static let allowUnexpected = ValidationOptions(rawValue: 1 << 1)
    /// Do not compare variable kinds.
    public static let ignoreKinds = ValidationOptions(rawValue: 1 << 2)
    /// Do not compare dtypes (for a caller that casts afterwards).
    public static let ignoreDTypes = ValidationOptions(rawValue: 1 << 3)
}

extension State {
    /// Checks that this state fits `target` — same paths, and at each path the
    /// same shape, dtype and kind — and throws one error listing every problem,
    /// sorted by path, with near-miss suggestions. `target` is typically abstract
    /// (`Graph.state(Graph.evalShape { … })` or `graphdef.abstractState`).
    ///
    /// ```swift
    /// try restored.validate(against: target)            // all or nothing
    /// try partial.validate(against: target, options: .allowMissing)
    /// ```
    public func validate(against target: State, options: ValidationOptions = []) throws(StateMismatchError) {
        let problems = mismatches(against: target, options: options)
        if !problems.isEmpty { throw StateMismatchError(problems: problems) }
    }

    /// The problems `validate(against:options:)` would report (empty when it fits).
    public func mismatches(against target: State, options: ValidationOptions = []) -> [StateMismatchError.Problem] {
        let expected = target.leaves.map { LeafDef(kind: $0.kind, shape: $0.shape, dtype: $0.dtype, object: -1) }
        return StateComparison.align(expectedPaths: target.paths, expected: expected,
                                     given: [self], options: options).problems
    }
}

/// The one comparison behind `validate`, `Graph.merge` and `Graph.update`.
enum StateComparison {
    /// Lines up `given` states with the expected leaves. Returns, per expected
    /// leaf, the given leaf (a placeholder where it is missing, which comes with
    /// a problem) and every problem found.
    static func align(
        expectedPaths: [Path], expected: [LeafDef], given: [State], options: ValidationOptions
    ) -> (values: [VariableState], problems: [StateMismatchError.Problem]) {
        // Fast path: one state with exactly the expected paths (a state fresh
        // from `split`, or mapped from one, shares the very same path array).
        if given.count == 1, given[0].paths == expectedPaths {
            var problems: [StateMismatchError.Problem] = []
            for (position, leaf) in given[0].leaves.enumerated() {
                check(leaf, against: expected[position], at: expectedPaths[position], options: options, into: &problems)
            }
            return (given[0].leaves, problems)
        }

        var entries: [(path: Path, leaf: VariableState)] = []
        for state in given { entries.append(contentsOf: zip(state.paths, state.leaves).map { ($0, $1) }) }
        if given.count > 1 { entries.sort { $0.path < $1.path } }  // stable: keeps first given first

        let placeholder = VariableState(kind: .param, value: Tensor.abstract(shape: [0]))
        var values = [VariableState](repeating: placeholder, count: expectedPaths.count)
        var problems: [StateMismatchError.Problem] = []
        var missing: [Path] = [], unexpected: [Path] = []
        var e = 0, g = 0
        while e < expectedPaths.count || g < entries.count {
            if g < entries.count, g > 0, entries[g].path == entries[g - 1].path {
                var count = 2
                while g + 1 < entries.count && entries[g + 1].path == entries[g].path { count += 1; g += 1 }
                problems.append(.init(path: entries[g].path, issue: .duplicate(count: count)))
                g += 1
                continue
            }
            if e < expectedPaths.count, g < entries.count, expectedPaths[e] == entries[g].path {
                values[e] = entries[g].leaf
                check(entries[g].leaf, against: expected[e], at: expectedPaths[e], options: options, into: &problems)
                e += 1
                g += 1
            } else if g >= entries.count || (e < expectedPaths.count && expectedPaths[e] < entries[g].path) {
                if !options.contains(.allowMissing) {
                    missing.append(expectedPaths[e])
                    let want = expected[e]
                    problems.append(.init(path: expectedPaths[e],
                                          issue: .missing(kind: want.kind, shape: want.shape, dtype: want.dtype)))
                }
                e += 1
            } else {
                if !options.contains(.allowUnexpected) { unexpected.append(entries[g].path) }
                g += 1
            }
        }
        if !unexpected.isEmpty {
            let suggestions = NearMissFinder(candidates: missing)
            for path in unexpected {
                let near = suggestions.nearest(to: path)
                problems.append(.init(path: path, issue: .unexpected(suggestion: near?.path, reason: near?.reason)))
            }
        }
        return (values, problems)
    }

    static func check(
        _ leaf: VariableState, against want: LeafDef, at path: Path, options: ValidationOptions,
        into problems: inout [StateMismatchError.Problem]
    ) {
        if leaf.value.shape != want.shape {
            problems.append(.init(path: path, issue: .wrongShape(expected: want.shape, found: leaf.value.shape)))
        }
        if !options.contains(.ignoreDTypes), leaf.value.dtype != want.dtype {
            problems.append(.init(path: path, issue: .wrongDType(expected: want.dtype, found: leaf.value.dtype)))
        }
        if !options.contains(.ignoreKinds), leaf.kind != want.kind {
            problems.append(.init(path: path, issue: .wrongKind(expected: want.kind, found: leaf.kind)))
        }
    }
}
