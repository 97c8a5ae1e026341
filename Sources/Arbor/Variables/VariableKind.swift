/// The kind of a variable (`Param`, `BatchStat`, a user's own subclass), by a
/// stable name.
///
/// A `State` records kinds by name, not by Swift type, so a checkpoint restored
/// without a target still knows that `bn/mean` is a `BatchStat`. Every
/// `Variable` subclass has a kind (its class name unless it overrides
/// `Variable.kind`); the kind registry maps names back to classes so a state can
/// be merged into variables of the right type. Built-in kinds are registered
/// from the start; a user kind is registered the first time a model holding one
/// is split, or explicitly with `register(_:)`.
public struct VariableKind: Hashable, Sendable, CustomStringConvertible {
    /// The stable name written to checkpoints (`"Param"`).
    public let name: String

    /// A kind by name. Prefer the static members or `MyKind.kind`.
    public init(_ name: String) { self.name = name }

    /// Trainable parameters.
    public static let param = VariableKind("Param")
    /// Running statistics (BatchNorm mean/variance).
    public static let batchStat = VariableKind("BatchStat")
    /// Caches such as an attention kv-cache.
    public static let cache = VariableKind("Cache")
    /// Random-number state (a key and a counter).
    public static let rngState = VariableKind("RngState")

    public var description: String { name }

    // MARK: Registry

    private static let registry = Locked<[String: Variable.Type]>([
        "Variable": Variable.self, "Param": Param.self, "BatchStat": BatchStat.self, "Cache": Cache.self, "RngState": RngState.self,
    ])

    /// Registers `type` under its kind name so states naming it can be merged.
    /// Throws when another class already holds that name.
    public static func register(_ type: Variable.Type) throws(VariableKindError) {
        let name = type.kind.name
        let existing: Variable.Type? = registry.withLock { table in
            if let existing = table[name] { return existing }
            table[name] = type
            return nil
        }
        if let existing, existing != type {
            throw .nameTaken(name, by: String(reflecting: existing), requestedBy: String(reflecting: type))
        }
    }

    /// Registers `type` unless its name is taken (used while splitting).
    static func registerIfAbsent(_ type: Variable.Type) {
        let name = type.kind.name
        registry.withLock { table in
            if table[name] == nil { table[name] = type }
        }
    }

    /// The class registered for this kind, or `nil` when none is.
    public var variableType: Variable.Type? {
        VariableKind.registry.withLock { $0[name] }
    }

    /// Whether this kind is `kind` or a subclass of it (by the registered classes).
    public func isKind(of kind: VariableKind) -> Bool {
        if self == kind { return true }
        guard let mine = variableType, let theirs = kind.variableType else { return false }
        return mine.isSubclass(of: theirs)
    }
}

/// A kind-registry conflict.
public enum VariableKindError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two classes claim one kind name.
    case nameTaken(String, by: String, requestedBy: String)

    public var description: String {
        switch self {
        case .nameTaken(let name, let holder, let requester):
            "variable kind name \"\(name)\" is taken by \(holder); \(requester) needs another name " +
                "(override `class var kind`)"
        }
    }
}

extension Variable {
    /// Whether this class is `other` or inherits from it.
    static func isSubclass(of other: Variable.Type) -> Bool {
        var current: AnyClass? = self
        while let type = current {
            if type == other { return true }
            current = _getSuperclass(type)
        }
        return false
    }
}

extension VariableKind: Codable {
    /// A kind encodes as its bare name: `"Param"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    /// Reads a bare name.
    public init(from decoder: any Decoder) throws {
        name = try decoder.singleValueContainer().decode(String.self)
    }
}
