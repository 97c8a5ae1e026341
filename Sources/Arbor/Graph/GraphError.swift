/// Why a graph operation (`Graph.split`, `merge`, `update`, `clone`, `pop`, …)
/// failed. Every case names the full path it is about.
public enum GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A module refers back to one of its ancestors: `path` leads to the module
    /// first reached at `ancestor`.
    case cycle(path: Path, ancestor: Path)
    /// A stored property holding a variable or module is missing from the type's
    /// `Codable` encoding (typically a subclass of a `Codable` class).
    case unencodedProperty(path: Path, type: String)
    /// A module stores a bare `Tensor`; tensors that are state belong in a `Variable`.
    case rawTensor(path: Path)
    /// A module's custom `encode(to:)` failed.
    case encodingFailed(path: Path, message: String)
    /// Rebuilding a module failed (its custom `init(from:)` threw, or a value had
    /// an unexpected form).
    case decodingFailed(path: Path, message: String)
    /// `pop` removed a variable held by a property that cannot be empty.
    case notRemovable(path: Path)
    /// The states given do not fit the model: every problem, sorted by path.
    case mismatch(StateMismatchError)
    /// `merge` was asked for `expected` modules but the GraphDef holds `found`
    /// (a GraphDef from `split(a, b)` merges as a pair, one from `split(model)`
    /// on its own).
    case rootCount(expected: Int, found: Int)
    /// `update` was given abstract values (shape and dtype only) — typically a
    /// state from a `Graph.evalShape` model or `abstractState` passed by
    /// mistake. Writing them would leave the live model without bytes. The
    /// paths are sorted.
    case abstractValues(paths: [Path])
    /// Partitioning by filters failed (a variable no filter matched, a catch-all
    /// filter not in last place).
    case filter(StateError)

    /// The message a user reads: what failed, at which path, and how to fix it.
    public var description: String {
        switch self {
        case .cycle(let path, let ancestor):
            "reference cycle: `\(path)` is the module already being visited at `\(ancestor)`; " +
                "store back-references in a `_`-prefixed optional property"
        case .unencodedProperty(let path, let type):
            "`\(path)` holds state but is not part of \(type)'s Codable encoding " +
                "(Swift synthesises Codable only for the class that declares it): make \(type) final, " +
                "or write its encode(to:) and init(from:)"
        case .rawTensor(let path):
            "`\(path)` is a bare Tensor property; wrap state in a Variable (Param, Cache, …)"
        case .encodingFailed(let path, let message):
            "reading `\(path)` failed: \(message)"
        case .decodingFailed(let path, let message):
            "rebuilding `\(path)` failed: \(message)"
        case .notRemovable(let path):
            "cannot pop `\(path)`: its property is not optional (pop can empty optionals, " +
                "dictionaries and arrays of optionals)"
        case .rootCount(let expected, let found):
            "the GraphDef holds \(found) root module\(found == 1 ? "" : "s") but merge was asked for \(expected): " +
                "merge a GraphDef from `split(a, b, …)` as a tuple of the same size, one from `split(model)` on its own"
        case .abstractValues(let paths):
            "cannot write abstract values (shape and dtype only) into a live model: `\(paths.first ?? .root)`" +
                (paths.count > 1 ? " and \(paths.count - 1) more" : "") +
                " — was the state taken from a `Graph.evalShape` model or an `abstractState`? Pass real values"
        case .mismatch(let error): error.description
        case .filter(let error): error.description
        }
    }
}
