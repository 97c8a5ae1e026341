/// A model's variables as a value: a tree keyed by `PathKey` whose leaves are
/// `VariableState`s.
///
/// The leaves of a `State` are always `VariableState` (kind, value, metadata) —
/// not bare tensors and not live variables — so every operation here (`filter`,
/// `map`, `split`, `merge`, `diff`) sees kinds and metadata, and a state can be
/// sent between tasks (`Sendable`) or saved while the model keeps training.
/// Paths are kept sorted (integers numerically, before names); no path is a
/// prefix of another.
///
/// ```swift
/// let (graphdef, state) = try Graph.split(model)
/// let params = state.filter(.param)
/// print(state)            // a tree with kinds, dtypes, shapes, counts and bytes
/// for (path, leaf) in state.flat { … }
/// ```
public struct State: Equatable, Sendable {
    /// Leaf paths, sorted; index-aligned with `leaves`.
    public internal(set) var paths: [Path]
    /// Leaf values, in path order.
    public internal(set) var leaves: [VariableState]

    /// The empty state.
    public init() {
        paths = []
        leaves = []
    }

    /// Trusted construction from already sorted, conflict-free entries.
    init(sortedPaths: [Path], leaves: [VariableState]) {
        self.paths = sortedPaths
        self.leaves = leaves
    }

    /// A state from flat entries in any order. Throws on a duplicate path or a
    /// path that is also the prefix of another (a leaf cannot have children).
    ///
    /// The entries are an array (not any sequence) so that path literals
    /// type-check inside the tuples — Swift infers them only when this is the
    /// one `init(flat:)`. Pass a sequence as `Array(zip(paths, leaves))`.
    ///
    /// ```swift
    /// let state = try State(flat: [(["layers", 0, "bias"], leaf)])
    /// ```
    public init(flat entries: [(Path, VariableState)]) throws(StateError) {
        var pairs = entries
        if !pairs.indices.dropFirst().allSatisfy({ pairs[$0 - 1].0 < pairs[$0].0 }) {
            pairs.sort { $0.0 < $1.0 }
        }
        for position in pairs.indices.dropFirst() {
            let previous = pairs[position - 1].0, current = pairs[position].0
            if previous == current { throw .duplicatePath(current) }
            if current.hasPrefix(previous) { throw .pathConflict(leaf: previous, inner: current) }
        }
        paths = pairs.map(\.0)
        leaves = pairs.map(\.1)
    }

    /// Every leaf with its path, sorted by path.
    public var flat: [(path: Path, leaf: VariableState)] {
        Array(zip(paths, leaves)).map { (path: $0.0, leaf: $0.1) }
    }

    /// Number of leaves.
    public var count: Int { paths.count }
    /// Whether there are no leaves.
    public var isEmpty: Bool { paths.isEmpty }

    /// Total number of tensor elements over all leaves.
    public var elementCount: Int { leaves.reduce(0) { $0 + $1.value.elementCount } }
    /// Total bytes over all leaves (what a concrete copy would occupy).
    public var byteCount: Int { leaves.reduce(0) { $0 + $1.value.byteCount } }

    /// Position of `path` among the leaves, or `nil`.
    func position(of path: Path) -> Int? {
        let low = lowerBound(of: path)
        return low < paths.count && paths[low] == path ? low : nil
    }

    /// The first position whose path is not before `path` (binary search).
    func lowerBound(of path: Path) -> Int {
        var low = 0, high = paths.count
        while low < high {
            let middle = (low + high) / 2
            if paths[middle] < path { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The leaf at `path`, or `nil` (binary search).
    ///
    /// Assigning a leaf replaces the one at `path` with the checks of
    /// `Graph.update`: the path must exist and the new leaf must have the same
    /// shape, dtype and kind — a violation is a programming error and traps,
    /// like an array index out of range (`set(_:at:)` throws instead). A new
    /// path is never added this way: use `insert(_:at:)`. Assigning `nil`
    /// removes the leaf.
    ///
    /// ```swift
    /// state[["layers", 0, "bias"]] = VariableState(kind: .param, value: Tensor([1, 2] as [Float]))
    /// ```
    public subscript(path: Path) -> VariableState? {
        get { position(of: path).map { leaves[$0] } }
        set {
            guard let newValue else {
                remove(at: path)
                return
            }
            // Traps by design, as documented above (like an array index out of range): code that
            // assigns paths from input uses `set(_:at:)`, which throws. Nothing in Arbor reads a file into this setter.
            do { try set(newValue, at: path) } catch {
                preconditionFailure("State[\(path)] = \(newValue): \(error) " +
                                    "(use `try state.set(_:at:)` to handle this, `insert(_:at:)` to add a path)")
            }
        }
    }

    /// The leaves under `prefix`, with `prefix` removed from their paths.
    public func subtree(at prefix: Path) -> State {
        var resultPaths: [Path] = [], resultLeaves: [VariableState] = []
        for (path, leaf) in zip(paths, leaves) where path.hasPrefix(prefix) {
            resultPaths.append(path.dropping(prefix: prefix))
            resultLeaves.append(leaf)
        }
        return State(sortedPaths: resultPaths, leaves: resultLeaves)
    }

    /// The keys directly below the root, in order.
    public var topLevelKeys: [PathKey] {
        var keys: [PathKey] = []
        for path in paths {
            guard let first = path.first else { continue }
            if keys.last != first { keys.append(first) }
        }
        return keys
    }

    /// The same paths with abstract values (shape and dtype only): a restore target.
    public var abstract: State { State(sortedPaths: paths, leaves: leaves.map(\.abstract)) }

    /// A new state with each leaf replaced by `transform(path, leaf)`. Paths do
    /// not change, so the result still fits the model it came from.
    ///
    /// ```swift
    /// let sharded = state.map { _, leaf in
    ///     var leaf = leaf; leaf.metadata.sharding = ShardingSpec(["data", nil]); return leaf
    /// }
    /// ```
    public func map<E: Error>(_ transform: (Path, VariableState) throws(E) -> VariableState) throws(E) -> State {
        var result: [VariableState] = []
        result.reserveCapacity(leaves.count)
        for (path, leaf) in zip(paths, leaves) { result.append(try transform(path, leaf)) }
        return State(sortedPaths: paths, leaves: result)
    }

    /// The leaves `filter` matches.
    public func filter(_ filter: Filter) -> State {
        var resultPaths: [Path] = [], resultLeaves: [VariableState] = []
        for (path, leaf) in zip(paths, leaves) where filter.matches(path, leaf) {
            resultPaths.append(path)
            resultLeaves.append(leaf)
        }
        return State(sortedPaths: resultPaths, leaves: resultLeaves)
    }

    /// Partitions the leaves: each goes to the first filter that matches it. Every
    /// leaf must match some filter (the error names the first that matches none),
    /// and a catch-all filter (`.everything`) may only come last.
    ///
    /// ```swift
    /// let parts = try state.split(.param, .everything)   // [params, rest]
    /// ```
    public func split(_ first: Filter, _ rest: Filter...) throws(StateError) -> [State] {
        try split([first] + rest)
    }

    /// `split` with the filters in an array.
    public func split(_ filters: [Filter]) throws(StateError) -> [State] {
        if let position = filters.dropLast().firstIndex(where: \.isCatchAll) {
            throw .catchAllNotLast(position: position, count: filters.count)
        }
        var parts = Array(repeating: (paths: [Path](), leaves: [VariableState]()), count: filters.count)
        for (path, leaf) in zip(paths, leaves) {
            guard let target = filters.firstIndex(where: { $0.matches(path, leaf) }) else {
                throw .unmatchedPath(path)
            }
            parts[target].paths.append(path)
            parts[target].leaves.append(leaf)
        }
        return parts.map { State(sortedPaths: $0.paths, leaves: $0.leaves) }
    }

    /// One state holding the leaves of all `states`; throws when a path occurs
    /// twice or conflicts with another (leaf versus subtree).
    public static func merge(_ states: State...) throws(StateError) -> State { try merge(states) }

    /// `merge` with the states in an array.
    public static func merge(_ states: [State]) throws(StateError) -> State {
        if states.count == 1 { return states[0] }
        return try State(flat: states.flatMap { zip($0.paths, $0.leaves) })
    }

    /// Turns name keys that spell integers (`"0"`) into indices, for a tree whose
    /// key types were lost (JSON, Orbax). Where a node holds both `"0"` and `0`,
    /// the names are left alone. This cannot fail: at each node a name becomes an
    /// index only when no sibling already is that index, so the tree keeps its
    /// shape (only the sort order changes).
    public func restoringIntPaths() -> State {
        let converted = PathKeyRestoration.restore(paths)
        let order = converted.indices.sorted { converted[$0] < converted[$1] }
        return State(sortedPaths: order.map { converted[$0] }, leaves: order.map { leaves[$0] })
    }
}
