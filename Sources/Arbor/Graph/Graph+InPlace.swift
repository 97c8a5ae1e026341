extension Graph {
    /// Writes the leaves of `states` into `model`'s variables, in place.
    ///
    /// Unlike Flax's `nnx.update`, every leaf is checked: its path must exist in
    /// the model (an alias path of a shared variable counts), and its shape,
    /// dtype and kind must match; otherwise nothing is written and one error
    /// lists every problem. Pass `ignoringUnknownPaths: true` to skip leaves the
    /// model does not have. Leaves may be a subset of the model's variables.
    public static func update(
        _ model: some Module, _ states: State..., ignoringUnknownPaths: Bool = false
    ) throws(GraphError) {
        let (capture, _) = try GraphCapture.capture(model)
        var byPath: [Path: Int] = Dictionary(uniqueKeysWithValues: capture.leafPaths.enumerated().map { ($1, $0) })
        for alias in capture.aliases {
            if let target = capture.objectPaths[alias.object] as Path?, let leaf = byPath[target] {
                byPath[alias.path] = leaf
            }
        }
        var problems: [StateMismatchError.Problem] = []
        var writes: [(Int, VariableState)] = []
        var unknown: [Path] = []
        for state in states {
            for (path, leaf) in zip(state.paths, state.leaves) {
                guard let position = byPath[path] else {
                    unknown.append(path)
                    continue
                }
                let want = capture.leaves[position]
                StateComparison.check(leaf, against: want,
                                      at: path, options: [], into: &problems)
                writes.append((position, leaf))
            }
        }
        if !ignoringUnknownPaths && !unknown.isEmpty {
            let finder = NearMissFinder(candidates: capture.leafPaths)
            for path in unknown {
                let near = finder.nearest(to: path)
                problems.append(.init(path: path, issue: .unexpected(suggestion: near?.path, reason: near?.reason)))
            }
        }
        if !problems.isEmpty { throw .mismatch(StateMismatchError(problems: problems)) }
        for (position, leaf) in writes {
            let variable = capture.variables[position]
            variable.value = leaf.value
            variable.metadata = leaf.metadata
            variable.sharded = leaf.sharded
        }
    }

    /// Removes the variables `filter` selects from `model` and returns their
    /// state. The model is rebuilt without them (a new object graph, like
    /// `merge`), so the properties that held them must be able to be empty:
    /// optionals, dictionaries, or arrays of optionals.
    public static func pop<M: Module>(_ model: inout M, _ filter: Filter) throws(GraphError) -> State {
        let (graphdef, state) = try split(model)
        let popped = state.filter(filter)
        if popped.isEmpty { return popped }
        let removed = Set(popped.paths)
        let kept = state.filter(.not(Filter("popped") { path, _ in removed.contains(path) }))
        let reduced: GraphDef<M> = graphdef.removingLeaves(at: removed)
        do {
            model = try merge(reduced, kept)
        } catch .decodingFailed(let path, _) where removed.contains(path) {
            throw .notRemovable(path: path)
        }
        return popped
    }

    /// Every module or variable reachable by more than one path: one group per
    /// object, each group sorted, the first path being the one `split` keeps.
    public static func findDuplicates(_ model: some Module) throws(GraphError) -> [[Path]] {
        let (capture, _) = try GraphCapture.capture(model)
        var groups: [Int: [Path]] = [:]
        for alias in capture.aliases { groups[alias.object, default: [capture.objectPaths[alias.object]]].append(alias.path) }
        return groups.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }
}

extension GraphDef {
    /// This structure without the variables at `paths`: their fields are dropped
    /// (keyed containers) or become `nil` (arrays), and leaves are renumbered.
    func removingLeaves(at paths: Set<Path>) -> GraphDef {
        var removedObjects = Set<Int>()
        var newIndex: [Int: Int] = [:]
        var keptPaths: [Path] = [], keptLeaves: [LeafDef] = []
        for (position, path) in leafPaths.enumerated() {
            if paths.contains(path) {
                removedObjects.insert(leaves[position].object)
            } else {
                newIndex[position] = keptLeaves.count
                keptPaths.append(path)
                keptLeaves.append(leaves[position])
            }
        }
        func strip(_ field: FieldDef) -> FieldDef? {
            switch field {
            case .object(let id) where removedObjects.contains(id): return nil
            case .keyed(let entries):
                return .keyed(entries.compactMap { entry in strip(entry.field).map { KeyedField(key: entry.key, field: $0) } })
            case .unkeyed(let items): return .unkeyed(items.map { strip($0) ?? .null })
            default: return field
            }
        }
        let objects = self.objects.map { object -> ObjectDef in
            switch object {
            case .module(let type, let fields): return .module(type, fields: strip(fields) ?? .keyed([]))
            case .variable(let cls, let leaf): return .variable(cls, leaf: newIndex[leaf] ?? -1)
            }
        }
        return GraphDef(root: root, objects: objects, objectPaths: objectPaths, leafPaths: keptPaths,
                        leaves: keptLeaves, aliases: aliases.filter { !removedObjects.contains($0.object) })
    }
}
