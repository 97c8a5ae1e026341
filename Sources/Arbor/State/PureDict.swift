/// A state stripped to plain tensors: a nested tree keyed by `PathKey` whose
/// leaves are `Tensor`s — what a generic checkpointer or a JSON tool handles.
///
/// Formats that only have string keys (JSON, Orbax without a target) turn
/// `.index(0)` into `.name("0")`. `State.replace(byPureDict:)` undoes that
/// where the state has an index, and `restoringIntPaths()` undoes it without a
/// target.
///
/// ```swift
/// let dict = state.toPureDict()
/// var restored = state
/// try restored.replace(byPureDict: dict.stringifyingKeys())   // still lands in layers/0
/// ```
public indirect enum PureDict: Equatable, Sendable {
    /// A tensor.
    case leaf(Tensor)
    /// An inner node.
    case node([PathKey: PureDict])

    /// A tree from flat entries; throws on duplicate or conflicting paths. An
    /// array, like `State(flat:)`, so path literals type-check in the tuples:
    /// `PureDict(flat: [(["layers", 0, "bias"], tensor)])`.
    public init(flat entries: [(Path, Tensor)]) throws(StateError) {
        let state = try State(flat: entries.map { ($0.0, VariableState(kind: .param, value: $0.1)) })
        self.init(validPaths: state.paths, values: state.leaves.map(\.value))
    }

    /// A tree from paths that are known to be free of duplicates and conflicts
    /// (a `State`'s), so building it cannot fail.
    init(validPaths paths: [Path], values: [Tensor]) {
        var root: [PathKey: PureDict] = [:]
        for (path, value) in zip(paths, values) {
            guard !path.isEmpty else {
                self = .leaf(value)
                return
            }
            PureDict.insert(value, at: path.keys[...], into: &root)
        }
        self = .node(root)
    }

    private static func insert(_ value: Tensor, at keys: ArraySlice<PathKey>, into node: inout [PathKey: PureDict]) {
        guard let key = keys.first else { return }
        if keys.count == 1 {
            node[key] = .leaf(value)
            return
        }
        var child: [PathKey: PureDict] = [:]
        if case .node(let existing) = node[key] { child = existing }
        insert(value, at: keys.dropFirst(), into: &child)
        node[key] = .node(child)
    }

    /// Every tensor with its path, sorted by path.
    public var flat: [(path: Path, value: Tensor)] {
        var result: [(path: Path, value: Tensor)] = []
        func walk(_ node: PureDict, _ path: Path) {
            switch node {
            case .leaf(let value): result.append((path, value))
            case .node(let children):
                // Each key comes from `children` itself: the lookup cannot miss.
                for key in children.keys.sorted() { walk(children[key]!, path.appending(key)) }
            }
        }
        walk(self, .root)
        return result
    }

    /// The subtree or tensor at `path`, or `nil`.
    public subscript(path: Path) -> PureDict? {
        var current = self
        for key in path.keys {
            guard case .node(let children) = current, let next = children[key] else { return nil }
            current = next
        }
        return current
    }

    /// The tensor at `path`, or `nil`.
    public func tensor(at path: Path) -> Tensor? {
        if case .leaf(let value)? = self[path] { return value }
        return nil
    }

    /// Every key as a string key — what a JSON or Orbax round trip does.
    public func stringifyingKeys() -> PureDict {
        switch self {
        case .leaf: self
        case .node(let children):
            .node(Dictionary(children.map { ($0.key.stringified, $0.value.stringifyingKeys()) }) { first, _ in first })
        }
    }

    /// Name keys spelling integers (`"0"`) become indices. Without a target this
    /// cannot tell a stringified index from a real string key `"0"`: prefer
    /// `State.replace(byPureDict:)`, which decides by the target. Where a node
    /// holds both `"0"` and `0`, its keys are left alone.
    public func restoringIntPaths() -> PureDict {
        guard case .node(let children) = self else { return self }
        let convert = !children.keys.contains { key in key.numericIndex.map { children[$0] != nil } ?? false }
        var result: [PathKey: PureDict] = [:]
        for (key, child) in children {
            result[convert ? (key.numericIndex ?? key) : key] = child.restoringIntPaths()
        }
        return .node(result)
    }
}

/// Restoring integer keys on a list of paths (see `State.restoringIntPaths`).
enum PathKeyRestoration {
    static func restore(_ paths: [Path]) -> [Path] {
        var children: [Path: Set<PathKey>] = [:]
        for path in paths {
            for depth in path.indices { children[Path(Array(path.keys[..<depth])), default: []].insert(path.keys[depth]) }
        }
        return paths.map { path in
            var keys = path.keys
            for depth in keys.indices {
                guard let index = path.keys[depth].numericIndex else { continue }
                let siblings = children[Path(Array(path.keys[..<depth]))] ?? []
                if !siblings.contains(index) { keys[depth] = index }
            }
            return Path(keys)
        }
    }
}
