/// The objects being built by one `Graph.merge`.
///
/// Objects are built on first use, in the order the modules' `init(from:)`
/// asks for them; a second request for the same id returns the same object,
/// which is how shared variables and modules come back shared.
final class MergeContext {
    let objects: [ObjectDef]
    let objectPaths: [Path]
    let values: [VariableState]
    private var built: [AnyObject?]

    init(objects: [ObjectDef], objectPaths: [Path], values: [VariableState]) {
        self.objects = objects
        self.objectPaths = objectPaths
        self.values = values
        self.built = Array(repeating: nil, count: objects.count)
    }

    /// Builds `root` and every object below it children first, with an explicit
    /// stack, so that each module's `init(from:)` finds its children already
    /// built and the merge of a chain of modules thousands deep does not recurse
    /// (and overflow the thread's stack) through nested `init(from:)` calls.
    func build(_ root: Int) throws -> AnyObject {
        if let existing = built[root] { return existing }
        var open = [Bool](repeating: false, count: objects.count)
        var stack: [(id: Int, children: [Int], next: Int)] = []
        func push(_ id: Int) {
            open[id] = true
            var children: [Int] = []
            if case .module(_, let fields) = objects[id] { fields.collectObjects(into: &children) }
            stack.append((id, children, 0))
        }
        push(root)
        while let top = stack.last {
            if top.next < top.children.count {
                stack[stack.count - 1].next += 1
                let child = top.children[top.next]
                if built[child] != nil { continue }
                if open[child] {
                    throw MergeFailure(path: objectPaths[child], reason: .other("the GraphDef has a reference cycle here"))
                }
                push(child)
            } else {
                stack.removeLast()
                open[top.id] = false
                _ = try object(top.id)
            }
        }
        return try object(root)
    }

    func object(_ id: Int) throws -> AnyObject {
        if let existing = built[id] { return existing }
        let made: AnyObject
        switch objects[id] {
        case .variable(let cls, let leaf):
            // Fields read in place: copying the whole `VariableState` would
            // retain (and release) its kind too.
            let variable = cls.type.init(values[leaf].value, metadata: values[leaf].metadata)
            variable.sharded = values[leaf].sharded
            made = variable
        case .module(let type, let fields):
            let decoder = MergeDecoder(context: self, field: fields, parent: nil, key: nil, base: objectPaths[id])
            do {
                made = try type.type.init(from: decoder)
            } catch let failure as MergeFailure {
                throw failure
            } catch {
                // The module's own init(from:) threw: locate it at the module.
                throw MergeFailure(path: objectPaths[id], reason: .other(String(describing: error)))
            }
        }
        built[id] = made
        return made
    }
}

/// A failure while rebuilding, with the path it happened at.
struct MergeFailure: Error {
    enum Reason { case missing, other(String) }
    let path: Path
    let reason: Reason
}

/// Feeds a module's `init(from:)` (written by the compiler) from a `GraphDef`
/// and the merged state values.
final class MergeDecoder: Decoder {
    let context: MergeContext
    let field: FieldDef
    let parent: MergeDecoder?
    let key: PathKey?
    let base: Path

    init(context: MergeContext, field: FieldDef, parent: MergeDecoder?, key: PathKey?, base: Path) {
        self.context = context
        self.field = field
        self.parent = parent
        self.key = key
        self.base = base
    }

    /// Where this decoder is, computed only for error messages.
    var path: Path {
        let above = parent?.path ?? base
        return key.map { above.appending($0) } ?? above
    }

    var codingPath: [any CodingKey] { path.keys.map(PathCodingKey.init) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func failure(_ message: String) -> MergeFailure { MergeFailure(path: path, reason: .other(message)) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .keyed(let entries) = field else { throw failure("expected a keyed container, found \(field.kindName)") }
        return KeyedDecodingContainer(MergeKeyedContainer<Key>(decoder: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .unkeyed(let items) = field else { throw failure("expected an array, found \(field.kindName)") }
        return MergeUnkeyedContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { MergeSingleContainer(decoder: self) }

    /// Decodes a value of type `T` stored as `field` under `key`.
    func decode<T: Decodable>(_ type: T.Type, field: FieldDef, key: PathKey?) throws -> T {
        if case .object(let id) = field, T.self is AnyObject.Type {
            let object = try context.object(id)
            guard let result = object as? T else {
                let at = key.map { path.appending($0) } ?? path
                throw MergeFailure(path: at, reason: .other("expected \(T.self), the GraphDef has \(Swift.type(of: object))"))
            }
            return result
        }
        if case .skipped = field {
            let at = key.map { path.appending($0) } ?? path
            throw MergeFailure(path: at, reason: .other(
                "`_` properties holding objects are not state and are not restored; declare it optional"))
        }
        return try T(from: MergeDecoder(context: context, field: field, parent: self, key: key, base: base))
    }

    /// The module this decoder's field refers to (for `AnyModule`).
    func decodeModule() throws -> any Module {
        guard case .object(let id) = field, let module = try context.object(id) as? any Module else {
            throw failure("expected a module, found \(field.kindName)")
        }
        return module
    }

    /// Reads an attribute as `T`, converting numbers only when exact.
    func attribute<T>(_ field: FieldDef, as type: T.Type, key: PathKey?) throws -> T {
        let at = { key.map { self.path.appending($0) } ?? self.path }
        guard case .attribute(let value) = field else {
            throw MergeFailure(path: at(), reason: .other("expected \(T.self), found \(field.kindName)"))
        }
        guard let result = value.converted(to: T.self) else {
            throw MergeFailure(path: at(), reason: .other("expected \(T.self), found \(value.summary)"))
        }
        return result
    }
}

struct PathCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(_ key: PathKey) {
        stringValue = key.text
        intValue = key.index
    }
    init?(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension FieldDef {
    /// The ids of the objects this field refers to, in field order.
    func collectObjects(into ids: inout [Int]) {
        switch self {
        case .object(let id): ids.append(id)
        case .keyed(let entries): for entry in entries { entry.field.collectObjects(into: &ids) }
        case .unkeyed(let items): for item in items { item.collectObjects(into: &ids) }
        case .attribute, .null, .skipped: break
        }
    }

    var kindName: String {
        switch self {
        case .object: "an object"
        case .attribute(let value): "the value \(value.summary)"
        case .keyed: "a keyed container"
        case .unkeyed: "an array"
        case .null: "nil"
        case .skipped: "a `_` property that is not state"
        }
    }
}

extension AttributeValue {
    /// The value as `T` when it converts exactly.
    func converted<T>(to type: T.Type) -> T? {
        func integer<I: FixedWidthInteger>(_: I.Type) -> I? {
            switch self {
            case .int(let v): I(exactly: v)
            case .uint(let v): I(exactly: v)
            default: nil
            }
        }
        switch type {
        case is Bool.Type: if case .bool(let v) = self { return v as? T }
        case is String.Type: if case .string(let v) = self { return v as? T }
        case is Double.Type:
            if case .double(let bits) = self { return Double(bitPattern: bits) as? T }
            if case .float(let bits) = self { return Double(Float(bitPattern: bits)) as? T }
        case is Float.Type: if case .float(let bits) = self { return Float(bitPattern: bits) as? T }
        case is Int.Type: return integer(Int.self) as? T
        case is Int8.Type: return integer(Int8.self) as? T
        case is Int16.Type: return integer(Int16.self) as? T
        case is Int32.Type: return integer(Int32.self) as? T
        case is Int64.Type: return integer(Int64.self) as? T
        case is UInt.Type: return integer(UInt.self) as? T
        case is UInt8.Type: return integer(UInt8.self) as? T
        case is UInt16.Type: return integer(UInt16.self) as? T
        case is UInt32.Type: return integer(UInt32.self) as? T
        case is UInt64.Type: return integer(UInt64.self) as? T
        default: break
        }
        return nil
    }
}
