/// What one stored value of a module looked like when it was split: the
/// structure part of a `GraphDef`.
///
/// Objects (modules, variables) are referenced by id into the GraphDef's object
/// table, which is how one object reachable twice stays one.
enum FieldDef: Hashable, Sendable {
    /// A module or variable, by object id.
    case object(Int)
    /// Plain data (a number, a string, a flag) restored as it was.
    case attribute(AttributeValue)
    /// A keyed container (a module's properties, a struct, a dictionary), sorted by key.
    case keyed([KeyedField])
    /// An array (or other unkeyed container).
    case unkeyed([FieldDef])
    /// `nil` inside an array or an explicit `encodeNil`.
    case null
    /// A module or variable under a `_` property: not structure, restored as absent.
    case skipped
}

/// One entry of a keyed container.
struct KeyedField: Hashable, Sendable {
    let key: PathKey
    let field: FieldDef
}

/// Plain (non-tensor) data recorded in a `GraphDef`: settings such as `features`
/// or `epsilon` that `merge` puts back. Floating-point values are kept as bit
/// patterns so equality and hashing are exact (NaN equals the same NaN).
enum AttributeValue: Hashable, Sendable {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(UInt32)
    case double(UInt64)
    case string(String)

    var summary: String {
        switch self {
        case .bool(let v): String(v)
        case .int(let v): String(v)
        case .uint(let v): String(v)
        case .float(let bits): String(Float(bitPattern: bits))
        case .double(let bits): String(Double(bitPattern: bits))
        case .string(let v): "\"\(v)\""
        }
    }
}

/// A module class, kept as a value. `@unchecked Sendable` is sound: a metatype is
/// an immutable, process-wide value; sharing it between threads shares nothing
/// mutable. (Swift 6.2's `SendableMetatype` would say this for us but would
/// constrain every user's `Module` conformance.)
struct ModuleType: Hashable, @unchecked Sendable {
    let type: any Module.Type
    static func == (a: ModuleType, b: ModuleType) -> Bool { ObjectIdentifier(a.type) == ObjectIdentifier(b.type) }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(type)) }
    var name: String { String(describing: type) }
}

/// A variable class, kept as a value (sound for the same reason as `ModuleType`).
struct VariableClass: Hashable, @unchecked Sendable {
    let type: Variable.Type
    static func == (a: VariableClass, b: VariableClass) -> Bool { a.type == b.type }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(type)) }
}

/// One entry of a GraphDef's object table.
enum ObjectDef: Hashable, Sendable {
    /// A module of `type` whose properties looked like `fields`.
    case module(ModuleType, fields: FieldDef)
    /// A variable: its class and the index of its leaf in the state.
    case variable(VariableClass, leaf: Int)
}

/// A leaf of the state a GraphDef expects: where it is and what it must be.
struct LeafDef: Hashable, Sendable {
    let kind: VariableKind
    let shape: [Int]
    let dtype: DType
    let object: Int
}

/// A second path to an object already recorded under an earlier path.
struct AliasDef: Hashable, Sendable {
    let path: Path
    let object: Int
}
