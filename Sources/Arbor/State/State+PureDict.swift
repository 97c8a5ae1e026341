extension State {
    /// The values as a nested tree of plain tensors (kinds and metadata dropped).
    /// The empty state gives an empty node; a state whose only leaf is at the
    /// root gives that leaf. `Codable`, so JSON is one line each way.
    public func toPureDict() -> PureDict {
        PureDict(validPaths: paths, values: leaves.map(\.value))
    }

    /// Replaces leaf values by the tensors of `dict`, keeping kinds and metadata.
    ///
    /// Keys are matched exactly first; where that fails, a string key spelling an
    /// integer (`"0"`) matches an index the state has at that place, and an index
    /// matches a string key — so a dict whose keys were stringified by JSON or
    /// Orbax loads, and a model whose keys really are the strings `"0"`, `"1"`
    /// still loads exactly. Every value must have the leaf's shape and dtype, and
    /// (unless `allowPartial`) every leaf must be given. Nothing changes unless
    /// everything fits; the error lists every unmatched, missing or mis-shaped
    /// path with the nearest candidate.
    public mutating func replace(byPureDict dict: PureDict, allowPartial: Bool = false) throws(StateMismatchError) {
        let resolver = PathResolver(paths)
        var problems: [StateMismatchError.Problem] = []
        var assigned = [Tensor?](repeating: nil, count: paths.count)
        var sources = [Path?](repeating: nil, count: paths.count)
        var unexpected: [Path] = []
        for (path, value) in dict.flat {
            guard let position = resolver.resolve(path) else {
                unexpected.append(path)
                continue
            }
            if sources[position] != nil {
                problems.append(.init(path: paths[position], issue: .duplicate(count: 2)))
                continue
            }
            sources[position] = path
            let leaf = leaves[position]
            if value.shape != leaf.value.shape {
                problems.append(.init(path: paths[position], issue: .wrongShape(expected: leaf.value.shape, found: value.shape)))
            }
            if value.dtype != leaf.value.dtype {
                problems.append(.init(path: paths[position], issue: .wrongDType(expected: leaf.value.dtype, found: value.dtype)))
            }
            assigned[position] = value
        }
        var missing: [Path] = []
        if !allowPartial {
            for (position, source) in sources.enumerated() where source == nil {
                missing.append(paths[position])
                let leaf = leaves[position]
                problems.append(.init(path: paths[position],
                                      issue: .missing(kind: leaf.kind, shape: leaf.value.shape, dtype: leaf.value.dtype)))
            }
        }
        let finder = NearMissFinder(candidates: missing.isEmpty ? paths : missing)
        for path in unexpected {
            let near = finder.nearest(to: path)
            problems.append(.init(path: path, issue: .unexpected(suggestion: near?.path, reason: near?.reason)))
        }
        if !problems.isEmpty { throw StateMismatchError(problems: problems) }
        for (position, value) in assigned.enumerated() {
            if let value { leaves[position].value = value }
        }
    }
}

/// Matches a path whose keys may have lost their types against a set of paths.
struct PathResolver {
    private let exact: [Path: Int]
    private var children: [Path: Set<PathKey>] = [:]

    init(_ paths: [Path]) {
        exact = Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($1, $0) })
        for path in paths {
            for depth in path.indices { children[Path(Array(path.keys[..<depth])), default: []].insert(path.keys[depth]) }
        }
    }

    /// The position of the path `path` means: exact keys first, then, key by key,
    /// a digit string as an index (or an index as a digit string) where only
    /// that form exists.
    func resolve(_ path: Path) -> Int? {
        if let position = exact[path] { return position }
        var resolved: [PathKey] = []
        for key in path.keys {
            let options = children[Path(resolved)] ?? []
            if options.contains(key) {
                resolved.append(key)
            } else if let index = key.numericIndex, options.contains(index) {
                resolved.append(index)
            } else if key.index != nil, options.contains(key.stringified) {
                resolved.append(key.stringified)
            } else {
                return nil
            }
        }
        return exact[Path(resolved)]
    }
}
