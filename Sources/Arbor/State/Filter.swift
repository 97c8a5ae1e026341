/// Selects leaves of a `State` (or variables of a model) by kind, path or any
/// predicate; filters combine with `all`, `any` and `not`.
///
/// ```swift
/// state.filter(.param)
/// try Graph.split(model, .param, .kind(BatchStat.self), .everything)
/// state.filter(.all(.param, .not(.pathContains("bias"))))
/// ```
public struct Filter: Sendable, CustomStringConvertible {
    private let predicate: @Sendable (Path, VariableState) -> Bool
    /// Whether this filter matches every leaf (only allowed last in a split).
    public let isCatchAll: Bool
    /// How the filter prints (`kind(Param)`, `not(pathContains(bias))`).
    public let description: String

    /// A filter from a predicate; `description` names it in messages.
    public init(
        _ description: String = "custom", _ predicate: @escaping @Sendable (Path, VariableState) -> Bool
    ) {
        self.init(description: description, isCatchAll: false, predicate: predicate)
    }

    private init(description: String, isCatchAll: Bool, predicate: @escaping @Sendable (Path, VariableState) -> Bool) {
        self.description = description
        self.isCatchAll = isCatchAll
        self.predicate = predicate
    }

    /// Whether the leaf at `path` is selected.
    public func matches(_ path: Path, _ leaf: VariableState) -> Bool { predicate(path, leaf) }

    /// Matches every leaf.
    public static let everything = Filter(description: "everything", isCatchAll: true) { _, _ in true }
    /// Matches no leaf.
    public static let nothing = Filter(description: "nothing", isCatchAll: false) { _, _ in false }

    /// Leaves of `kind` or of a subclass of it: by the ancestry a leaf made from
    /// a live variable records, else (a leaf read from disk) by the kind registry.
    public static func kind(_ kind: VariableKind) -> Filter {
        Filter(description: "kind(\(kind))", isCatchAll: false) { _, leaf in leaf.kind.isKind(of: kind) }
    }

    /// Leaves whose variable class is `type` or a subclass of it; nothing needs
    /// registering: `state.filter(.kind(LoRAParam.self))`.
    public static func kind(_ type: Variable.Type) -> Filter { kind(type.kind) }

    /// Trainable parameters.
    public static let param = Filter.kind(.param)
    /// Running statistics.
    public static let batchStat = Filter.kind(.batchStat)

    /// Leaves whose path has `key` as one of its keys (exact key, type included).
    public static func pathContains(_ key: PathKey) -> Filter {
        Filter(description: "pathContains(\(key))", isCatchAll: false) { path, _ in path.keys.contains(key) }
    }

    /// Leaves at or below `prefix`.
    public static func under(_ prefix: Path) -> Filter {
        Filter(description: "under(\(prefix))", isCatchAll: false) { path, _ in path.hasPrefix(prefix) }
    }

    /// Leaves every filter matches.
    public static func all(_ filters: Filter...) -> Filter {
        Filter(description: "all(" + filters.map(\.description).joined(separator: ", ") + ")",
               isCatchAll: filters.allSatisfy(\.isCatchAll)) { path, leaf in
            filters.allSatisfy { $0.matches(path, leaf) }
        }
    }

    /// Leaves some filter matches.
    public static func any(_ filters: Filter...) -> Filter {
        Filter(description: "any(" + filters.map(\.description).joined(separator: ", ") + ")",
               isCatchAll: filters.contains(where: \.isCatchAll)) { path, leaf in
            filters.contains { $0.matches(path, leaf) }
        }
    }

    /// Leaves `filter` does not match.
    public static func not(_ filter: Filter) -> Filter {
        Filter(description: "not(\(filter))", isCatchAll: false) { path, leaf in !filter.matches(path, leaf) }
    }
}
