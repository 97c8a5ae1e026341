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
    /// The type checked last: a model repeats one layer type, so most modules
    /// skip even the set lookup.
    private var lastVerified: ObjectIdentifier?
    private let context = CaptureContext()
    private static let placeholder = ObjectDef.variable(VariableClass(type: Variable.self), leaf: -1)
    /// Each variable class's kind with its ancestry, computed once per process
    /// (a kind is a property of the class, not of an instance).
    private static let kindCache = Locked<[ObjectIdentifier: VariableKind]>([:])

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

    /// Visits the module at `cursor` and everything below it.
    ///
    /// The walk keeps its own stack instead of recursing, so a chain of modules
    /// thousands deep (wrappers of wrappers) does not overflow the thread's
    /// stack: each module's `encode(to:)` only records its children, and the
    /// loop below descends into them, in sorted key order, one frame per
    /// container or module.
    mutating func visit(module: any Module) throws(GraphError) -> FieldDef {
        var stack: [Frame] = []
        var pending: RawField? = .module(module)
        var finished: FieldDef = .null
        while true {
            if let raw = pending {
                pending = nil
                switch raw {
                case .module(let module):
                    switch try begin(module: module) {
                    case .done(let field): finished = field
                    case .started(let id, let type, let fields):
                        stack.append(.module(id: id, type: type))
                        pending = fields
                        continue
                    }
                case .variable(let variable): finished = visit(variable: variable)
                case .attribute(let value): finished = .attribute(value)
                case .null: finished = .null
                case .skipped: finished = .skipped
                case .deferred(let encoder):
                    pending = encoder.result()
                    continue
                case .keyed(let store):
                    if !isSorted(store.entries) { store.entries.sort { $0.key < $1.key } }
                    guard let first = store.entries.first else {
                        finished = .keyed([])
                        break
                    }
                    stack.append(.keyed(store.entries))
                    cursor.append(first.key)
                    pending = first.field
                    continue
                case .unkeyed(let store):
                    guard let first = store.items.first else {
                        finished = .unkeyed([])
                        break
                    }
                    stack.append(.unkeyed(store.items))
                    cursor.append(.index(0))
                    pending = first
                    continue
                }
            }
            // `finished` is the value of the innermost open frame's current child.
            // Frames are updated in place (`stack[top]`): taking a frame off the
            // stack to append to its finished fields would copy them whenever
            // the frame value is still alive, once per child — quadratic in a
            // container's size (a list of 10,000 layers).
            guard let top = stack.indices.last else { return finished }
            switch stack[top].kind {
            case .module(let id, let type):
                stack.removeLast()
                active[id] = false
                objects[id] = .module(type, fields: finished)
                finished = .object(id)
            case .keyed(let entries):
                cursor.removeLast()
                let next = stack[top].keyedDone.count
                stack[top].keyedDone.append(KeyedField(key: entries[next].key, field: finished))
                if next + 1 == entries.count {
                    finished = .keyed(stack.removeLast().keyedDone)
                } else {
                    cursor.append(entries[next + 1].key)
                    pending = entries[next + 1].field
                }
            case .unkeyed(let items):
                cursor.removeLast()
                let next = stack[top].unkeyedDone.count
                stack[top].unkeyedDone.append(finished)
                if next + 1 == items.count {
                    finished = .unkeyed(stack.removeLast().unkeyedDone)
                } else {
                    cursor.append(.index(next + 1))
                    pending = items[next + 1]
                }
            }
        }
    }

    /// One open level of the walk: a module being visited, or a container and
    /// the fields of its children finished so far.
    private struct Frame {
        enum Kind {
            case module(id: Int, type: ModuleType)
            case keyed([(key: PathKey, field: RawField)])
            case unkeyed([RawField])
        }
        let kind: Kind
        var keyedDone: [KeyedField] = []
        var unkeyedDone: [FieldDef] = []

        static func module(id: Int, type: ModuleType) -> Frame { Frame(kind: .module(id: id, type: type)) }
        static func keyed(_ entries: [(key: PathKey, field: RawField)]) -> Frame {
            var frame = Frame(kind: .keyed(entries))
            frame.keyedDone.reserveCapacity(entries.count)
            return frame
        }
        static func unkeyed(_ items: [RawField]) -> Frame {
            var frame = Frame(kind: .unkeyed(items))
            frame.unkeyedDone.reserveCapacity(items.count)
            return frame
        }
    }

    private enum Begun {
        case done(FieldDef)
        case started(id: Int, type: ModuleType, fields: RawField)
    }

    /// Records the module at `cursor` (or an alias of one met before) and reads
    /// its properties without descending into them.
    private mutating func begin(module: any Module) throws(GraphError) -> Begun {
        let identity = ObjectIdentifier(module)
        let id = objects.count
        if let existing = ids.updateValue(id, forKey: identity) {
            ids[identity] = existing
            if active[existing] { throw .cycle(path: Path(cursor), ancestor: objectPaths[existing]) }
            aliases.append(AliasDef(path: Path(cursor), object: existing))
            return .done(.object(existing))
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
        return .started(id: id, type: ModuleType(type: type(of: module)), fields: raw)
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
            kind = GraphCapture.kindCache.withLock { cache in
                if let known = cache[key] { return known }
                // First time in this process: name the ancestry (type names are
                // formatted at run time, microseconds a class).
                let kind = VariableKind(of: cls)
                cache[key] = kind
                return kind
            }
            kinds[key] = kind
            VariableKind.registerIfAbsent(cls)
        }
        lastKind = (key, kind)
        return kind
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
        if type == lastVerified { return }
        if verified.contains(type) {
            lastVerified = type
            return
        }
        if LayoutCheck.isVerified(type) {
            verified.insert(type)
            lastVerified = type
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
        lastVerified = type
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
