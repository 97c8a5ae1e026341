/// A loop body changed its carry's structure, which a loop forbids (as
/// `jax.lax` loops do): the carry must come back with the same variables
/// (paths, kinds, shapes, dtypes) and the same sharing.
public enum LoopError: Error, Sendable, CustomStringConvertible {
    /// Variables were added, removed or changed; each problem names its path.
    case carryChanged(iteration: Int, problems: [StateMismatchError.Problem])
    /// Same variables, but a different module structure (settings, sharing, types).
    case carryStructureChanged(iteration: Int)

    /// The message a user reads: the iteration, the carry and what changed.
    public var description: String {
        switch self {
        case .carryChanged(let iteration, let problems):
            "loop body changed the carry in iteration \(iteration): " + problems.map(\.description).joined(separator: "; ")
        case .carryStructureChanged(let iteration):
            "loop body changed the carry's module structure (settings, sharing or types) in iteration \(iteration)"
        }
    }
}
