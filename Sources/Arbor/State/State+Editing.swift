extension State {
    /// Replaces the leaf at `path`, with the checks `Graph.update` makes: the
    /// path must exist (an unknown path comes with the nearest existing one) and
    /// `leaf` must have the old leaf's shape, dtype and kind. Nothing changes
    /// when it throws.
    ///
    /// ```swift
    /// try state.set(VariableState(kind: .param, value: newBias), at: ["layers", 0, "bias"])
    /// ```
    public mutating func set(_ leaf: VariableState, at path: Path) throws(StateMismatchError) {
        guard let position = position(of: path) else {
            let near = NearMissFinder(candidates: paths).nearest(to: path)
            throw StateMismatchError(problems: [
                .init(path: path, issue: .unexpected(suggestion: near?.path, reason: near?.reason)),
            ])
        }
        let old = leaves[position]
        var problems: [StateMismatchError.Problem] = []
        StateComparison.check(leaf, against: LeafDef(kind: old.kind, shape: old.shape, dtype: old.dtype, object: -1),
                              at: path, options: [], into: &problems)
        if !problems.isEmpty { throw StateMismatchError(problems: problems) }
        leaves[position] = leaf
    }

    /// Adds a leaf at a new `path`. Throws when `path` already holds a leaf
    /// (`set(_:at:)` replaces one) or when it is inside a leaf or above other
    /// leaves (a leaf cannot have children).
    public mutating func insert(_ leaf: VariableState, at path: Path) throws(StateError) {
        let low = lowerBound(of: path)
        if low < paths.count {
            if paths[low] == path { throw .duplicatePath(path) }
            if paths[low].hasPrefix(path) { throw .pathConflict(leaf: path, inner: paths[low]) }
        }
        if low > 0, path.hasPrefix(paths[low - 1]) { throw .pathConflict(leaf: paths[low - 1], inner: path) }
        paths.insert(path, at: low)
        leaves.insert(leaf, at: low)
    }

    /// Removes and returns the leaf at `path` (`nil` when there is none).
    @discardableResult
    public mutating func remove(at path: Path) -> VariableState? {
        guard let position = position(of: path) else { return nil }
        paths.remove(at: position)
        return leaves.remove(at: position)
    }
}
