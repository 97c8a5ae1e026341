/// The traversal behind `Graph.split`, `state`, `update` and `findDuplicates`.
///
/// It walks the object graph depth first, visiting each container's keys in
/// sorted order, so variables are met in sorted path order: the state comes out
/// sorted with no extra sort, and a shared object's canonical path is its first
/// path in that order. Each object is read once; later paths to it are aliases.
/// A module met again while it is still being visited is a cycle. (A struct
/// with mutating methods, so exclusivity is checked at compile time rather
/// than on every property access.)
struct GraphCapture {
    private(set) var objects: [ObjectDef] = []
    private(set) var objectPaths: [Path] = []
    private(set) var leafPaths: [Path] = []
    private(set) var leaves: [LeafDef] = []
    private(set) var states: [VariableState] = []
    private(set) var variables: [Variable] = []
    private(set) var aliases: [AliasDef] = []

    /// Object id by identity (one hash per object met).
    private var ids: [ObjectIdentifier: Int] = [:]
    /// Whether each object id is a module still being visited (cycle check).
    private var active: [Bool] = []
    /// Keys from the root to where the walk is; materialised into a `Path` only
    /// at modules and variables.
    private var cursor: [PathKey] = []
    private var lastKind: (ObjectIdentifier, VariableKind)?
    private var kinds: [ObjectIdentifier: VariableKind] = [:]
    private var verified: Set<ObjectIdentifier> = []
    private let context = CaptureContext()
    private static let placeholder = ObjectDef.variable(VariableClass(type: Variable.self), leaf: -1)

    /// Captures one root module.
    static func capture(_ module: any Module) throws(GraphError) -> (GraphCapture, FieldDef) {
        var capture = GraphCapture()
        let root = try capture.visit(module: module)
        return (capture, root)
    }

    /// Captures several root modules under index keys 0, 1, …
    static func capture(_ modules: [any Module]) throws(GraphError) -> (GraphCapture, FieldDef) {
        var capture = GraphCapture()
        var items: [FieldDef] = []
        for (index, module) in modules.enumerated() {
            capture.cursor = [.index(index)]
            items.append(try capture.visit(module: module))
        }
        return (capture, .unkeyed(items))
    }

    /// The GraphDef for what was captured.
    func graphDef<Root>(root: FieldDef) -> GraphDef<Root> {
        GraphDef(root: root, objects: objects, objectPaths: objectPaths,
                 leafPaths: leafPaths, leaves: leaves, aliases: aliases.sorted { $0.path < $1.path })
    }

    /// The state for what was captured (already sorted).
    var state: State { State(sortedPaths: leafPaths, leaves: states) }

    // MARK: Visiting

    /// Visits the module at `cursor`.
    mutating func visit(module: any Module) throws(GraphError) -> FieldDef {
        let identity = ObjectIdentifier(module)
        let id = objects.count
        if let existing = ids.updateValue(id, forKey: identity) {
            ids[identity] = existing
            if active[existing] { throw .cycle(path: Path(cursor), ancestor: objectPaths[existing]) }
            aliases.append(AliasDef(path: Path(cursor), object: existing))
            return .object(existing)
        }
        let path = Path(cursor)
        objects.append(GraphCapture.placeholder)
        objectPaths.append(path)
        active.append(true)

        let encoder = CaptureEncoder(context: context, hidden: false, style: .properties)
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
        let fields = try resolve(raw)
        active[id] = false
        objects[id] = .module(ModuleType(type: type(of: module)), fields: fields)
        return .object(id)
    }

    /// Visits the variable at `cursor`.
    mutating func visit(variable: Variable) -> FieldDef {
        let identity = ObjectIdentifier(variable)
        let id = objects.count
        if let existing = ids.updateValue(id, forKey: identity) {
            ids[identity] = existing
            aliases.append(AliasDef(path: Path(cursor), object: existing))
            return .object(existing)
        }
        let kind = kind(of: type(of: variable))
        let path = Path(cursor)
        let value = variable.value
        objects.append(.variable(VariableClass(type: type(of: variable)), leaf: leaves.count))
        objectPaths.append(path)
        active.append(false)
        leafPaths.append(path)
        leaves.append(LeafDef(kind: kind, shape: value.shape, dtype: value.dtype, object: id))
        states.append(VariableState(kind: kind, value: value, metadata: variable.metadata, sharded: variable.sharded))
        variables.append(variable)
        return .object(id)
    }

    private mutating func kind(of cls: Variable.Type) -> VariableKind {
        let key = ObjectIdentifier(cls)
        if let (lastKey, kind) = lastKind, lastKey == key { return kind }
        let kind: VariableKind
        if let known = kinds[key] { kind = known } else {
            kind = cls.kind
            kinds[key] = kind
            VariableKind.registerIfAbsent(cls)
        }
        lastKind = (key, kind)
        return kind
    }

    private mutating func resolve(_ raw: RawField) throws(GraphError) -> FieldDef {
        switch raw {
        case .module(let module): return try visit(module: module)
        case .variable(let variable): return visit(variable: variable)
        case .attribute(let value): return .attribute(value)
        case .null: return .null
        case .skipped: return .skipped
        case .deferred(let encoder): return try resolve(encoder.result())
        case .keyed(let store):
            if !isSorted(store.entries) { store.entries.sort { $0.key < $1.key } }
            var fields: [KeyedField] = []
            fields.reserveCapacity(store.entries.count)
            for entry in store.entries {
                cursor.append(entry.key)
                defer { cursor.removeLast() }
                fields.append(KeyedField(key: entry.key, field: try resolve(entry.field)))
            }
            return .keyed(fields)
        case .unkeyed(let store):
            var items: [FieldDef] = []
            items.reserveCapacity(store.items.count)
            for (index, item) in store.items.enumerated() {
                cursor.append(.index(index))
                defer { cursor.removeLast() }
                items.append(try resolve(item))
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
    private mutating func verifyLayout(of module: any Module, captured: RawField, path: Path) throws(GraphError) {
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
