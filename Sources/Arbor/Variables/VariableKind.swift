/// The kind of a variable (`Param`, `BatchStat`, a user's own subclass), by a
/// stable name.
///
/// A `State` records kinds by name, not by Swift type, so a checkpoint restored
/// without a target still knows that `bn/mean` is a `BatchStat`. Every
/// `Variable` subclass has a kind (its class name unless it overrides
/// `Variable.kind`).
///
/// A kind taken from a live variable (`variable.kind`, every leaf `Graph.split`
/// or `Graph.state` makes) also carries the kind names of its superclasses, so
/// `.kind(Param.self)` matches a `LoRAParam: Param` leaf with nothing
/// registered. Only the name is written to disk: for a leaf read back from a
/// checkpoint, a kind filter matches the exact name, and subclasses through the
/// kind registry, which maps names back to classes (built-in kinds from the
/// start, a user kind once a model holding one is split, or with `register(_:)`).
/// Two kinds are equal when their names are.
public struct VariableKind: Hashable, Sendable, CustomStringConvertible {
    /// The stable name written to checkpoints (`"Param"`).
    public let name: String
    /// Kind names of the superclasses, nearest first (`["Param", "Variable"]` for a
    /// `LoRAParam: Param`); empty when the kind was made from a name alone.
    public let ancestors: [String]

    /// A kind by name. Prefer the static members or `MyKind.kind`.
    public init(_ name: String) {
        self.name = name
        self.ancestors = []
    }

    /// The kind of `type` with its class ancestry, as every leaf made from a
    /// live variable records it.
    public init(of type: Variable.Type) {
        name = type.kind.name
        var names: [String] = []
        var current: AnyClass? = _getSuperclass(type)
        while let cls = current, let variableType = cls as? Variable.Type {
            names.append(variableType.kind.name)
            current = _getSuperclass(cls)
        }
        ancestors = names
    }

    /// Equal names are equal kinds (ancestry is a cache of the class hierarchy).
    public static func == (lhs: VariableKind, rhs: VariableKind) -> Bool { lhs.name == rhs.name }

    /// Hashes the name, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// Trainable parameters.
    public static let param = VariableKind("Param")
    /// Running statistics (BatchNorm mean/variance).
    public static let batchStat = VariableKind("BatchStat")
    /// Caches such as an attention kv-cache.
    public static let cache = VariableKind("Cache")
    /// Random-number state (a key and a counter).
    public static let rngState = VariableKind("RngState")

    /// The kind's name (`Param`).
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

    /// Whether this kind is `kind` or a subclass of it: by the recorded ancestry
    /// when there is one, else by the registered classes.
    public func isKind(of kind: VariableKind) -> Bool {
        if self == kind || ancestors.contains(kind.name) { return true }
        guard let mine = variableType, let theirs = kind.variableType else { return false }
        return mine.isSubclass(of: theirs)
    }
}

/// A kind-registry conflict.
public enum VariableKindError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two classes claim one kind name.
    case nameTaken(String, by: String, requestedBy: String)

    /// The message a user reads: the kind and the type it clashes with.
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

    /// Reads a bare name (the ancestry is not stored; see the type's comment).
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }
}
