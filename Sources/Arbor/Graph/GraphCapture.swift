/// The traversal behind `Graph.split`, `state`, `update` and `findDuplicates`.
///
/// It walks the object graph depth first, visiting each container's keys in
/// sorted order, so variables are met in sorted path order: the state comes out
/// sorted with no extra sort, and a shared object's canonical path is its first
/// path in that order. Each object is read once; later paths to it are aliases.
/// A module met again while it is still being visited is a cycle.
final class GraphCapture {
    private(set) var objects: [ObjectDef?] = []
    private(set) var objectPaths: [Path] = []
    private(set) var leafPaths: [Path] = []
    private(set) var leaves: [LeafDef] = []
    private(set) var states: [VariableState] = []
    private(set) var variables: [Variable] = []
    private(set) var aliases: [AliasDef] = []

    private var ids: [ObjectIdentifier: Int] = [:]
    private var active: [ObjectIdentifier: Path] = [:]
    private var kinds: [ObjectIdentifier: VariableKind] = [:]
    private var verified: Set<ObjectIdentifier> = []

    /// Captures one root module.
    static func capture(_ module: any Module) throws(GraphError) -> (GraphCapture, FieldDef) {
        let capture = GraphCapture()
        let root = try capture.visit(module: module, path: .root)
        return (capture, root)
    }

    /// Captures several root modules under index keys 0, 1, …
    static func capture(_ modules: [any Module]) throws(GraphError) -> (GraphCapture, FieldDef) {
        let capture = GraphCapture()
        var items: [FieldDef] = []
        for (index, module) in modules.enumerated() {
            items.append(try capture.visit(module: module, path: [.index(index)]))
        }
        return (capture, .unkeyed(items))
    }

    /// The GraphDef for what was captured.
    func graphDef<Root>(root: FieldDef) -> GraphDef<Root> {
        GraphDef(root: root, objects: objects.map { $0! }, objectPaths: objectPaths,
                 leafPaths: leafPaths, leaves: leaves, aliases: aliases.sorted { $0.path < $1.path })
    }

    /// The state for what was captured (already sorted).
    var state: State { State(sortedPaths: leafPaths, leaves: states) }

    // MARK: Visiting

    func visit(module: any Module, path: Path) throws(GraphError) -> FieldDef {
        let identity = ObjectIdentifier(module)
        if let id = ids[identity] {
            if let ancestor = active[identity] { throw .cycle(path: path, ancestor: ancestor) }
            aliases.append(AliasDef(path: path, object: id))
            return .object(id)
        }
        let id = objects.count
        ids[identity] = id
        objects.append(nil)
        objectPaths.append(path)
        active[identity] = path

        let encoder = CaptureEncoder(hidden: false, style: .properties)
        do {
            try module.encode(to: encoder)
        } catch let failure as CaptureFailure {
            let at = path.appending(Path(failure.keys))
            switch failure.reason {
            case .rawTensor: throw .rawTensor(path: at)
            case .other(let message): throw .encodingFailed(path: at, message: message)
            }
        } catch {
            throw .encodingFailed(path: path, message: String(describing: error))
        }
        let raw = encoder.result()
        try verifyLayout(of: module, captured: raw, path: path)
        let fields = try resolve(raw, path: path)
        active[identity] = nil
        objects[id] = .module(ModuleType(type: type(of: module)), fields: fields)
        return .object(id)
    }

    func visit(variable: Variable, path: Path) -> FieldDef {
        let identity = ObjectIdentifier(variable)
        if let id = ids[identity] {
            aliases.append(AliasDef(path: path, object: id))
            return .object(id)
        }
        let id = objects.count
        ids[identity] = id
        let cls = type(of: variable)
        let kind: VariableKind
        if let known = kinds[ObjectIdentifier(cls)] { kind = known } else {
            kind = cls.kind
            kinds[ObjectIdentifier(cls)] = kind
            VariableKind.registerIfAbsent(cls)
        }
        let value = variable.value
        objects.append(.variable(VariableClass(type: cls), leaf: leaves.count))
        objectPaths.append(path)
        leafPaths.append(path)
        leaves.append(LeafDef(kind: kind, shape: value.shape, dtype: value.dtype, object: id))
        states.append(VariableState(kind: kind, value: value, metadata: variable.metadata))
        variables.append(variable)
        return .object(id)
    }

    private func resolve(_ raw: RawField, path: Path) throws(GraphError) -> FieldDef {
        switch raw {
        case .module(let module): return try visit(module: module, path: path)
        case .variable(let variable): return visit(variable: variable, path: path)
        case .attribute(let value): return .attribute(value)
        case .null: return .null
        case .skipped: return .skipped
        case .deferred(let encoder): return try resolve(encoder.result(), path: path)
        case .keyed(let store):
            var entries = store.entries
            if !isSorted(entries) { entries.sort { $0.key < $1.key } }
            var fields: [KeyedField] = []
            fields.reserveCapacity(entries.count)
            for entry in entries {
                fields.append(KeyedField(key: entry.key, field: try resolve(entry.field, path: path.appending(entry.key))))
            }
            return .keyed(fields)
        case .unkeyed(let store):
            var items: [FieldDef] = []
            items.reserveCapacity(store.items.count)
            for (index, item) in store.items.enumerated() {
                items.append(try resolve(item, path: path.appending(.index(index))))
            }
            return .unkeyed(items)
        }
    }

    private func isSorted(_ entries: [(key: PathKey, field: RawField)]) -> Bool {
        var index = 1
        while index < entries.count {
            if !(entries[index - 1].key < entries[index].key) { return false }
            index += 1
        }
        return true
    }

    // MARK: Layout check

    /// Once per type: every stored property holding a variable or module must be
    /// in the type's encoding. This catches subclasses of a `Codable` class,
    /// whose new properties synthesised `Codable` silently leaves out.
    private func verifyLayout(of module: any Module, captured: RawField, path: Path) throws(GraphError) {
        let type = ObjectIdentifier(Swift.type(of: module))
        if verified.contains(type) { return }
        if LayoutCheck.isVerified(type) {
            verified.insert(type)
            return
        }
        guard case .keyed(let store) = captured else { return }  // custom encoding: trust it
        let encoded = Set(store.entries.compactMap(\.key.name))
        var mirror: Mirror? = Mirror(reflecting: module)
        while let current = mirror {
            for child in current.children {
                guard let label = child.label, !label.hasPrefix("_"), !label.hasPrefix("$"),
                      !encoded.contains(label), LayoutCheck.holdsState(child.value) else { continue }
                throw .unencodedProperty(path: path.appending(.name(label)),
                                         type: String(describing: Swift.type(of: module)))
            }
            mirror = current.superclassMirror
        }
        LayoutCheck.markVerified(type)
        verified.insert(type)
    }
}

/// The process-wide record of module types whose layout has been checked.
enum LayoutCheck {
    private static let verifiedTypes = Locked<Set<ObjectIdentifier>>([])

    static func isVerified(_ type: ObjectIdentifier) -> Bool { verifiedTypes.withLock { $0.contains(type) } }
    static func markVerified(_ type: ObjectIdentifier) { _ = verifiedTypes.withLock { $0.insert(type) } }

    static func holdsState(_ value: Any) -> Bool {
        if value is Variable || value is any Module { return true }
        if let array = value as? [Any] { return array.contains(where: holdsState) }
        return false
    }
}
