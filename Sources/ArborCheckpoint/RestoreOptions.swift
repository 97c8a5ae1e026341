import Arbor

/// How a restore into a target treats differences.
///
/// The defaults are strict: every path of the target must be in the checkpoint
/// and nothing else, with the same shape, dtype and kind. Each relaxation must be
/// asked for by name, because the silent versions of these (partial restores,
/// implicit casts) are exactly how other tools lost users' models.
public struct RestoreOptions: Sendable {
    /// Restore only the target's paths that pass this filter (partial restore);
    /// checkpoint leaves outside it are ignored.
    public var filter: Filter?
    /// Convert values whose dtype differs from the target's instead of failing.
    public var castDTypes: Bool
    /// Copy tensors into memory instead of returning views of the mapped files.
    public var copy: Bool
    /// Recompute every file's SHA-256 before reading.
    public var verify: Bool
    /// The mesh for target leaves that carry a sharding spec but no shards (an
    /// abstract target from `Graph.evalShape` whose variables were created with
    /// `sharding:`): such leaves are restored as this process's shards over it.
    public var mesh: Mesh?

    /// Options; all off by default.
    public init(filter: Filter? = nil, castDTypes: Bool = false, copy: Bool = false, verify: Bool = false,
                mesh: Mesh? = nil) {
        self.filter = filter
        self.castDTypes = castDTypes
        self.copy = copy
        self.verify = verify
        self.mesh = mesh
    }

    /// Strict restore: complete, exact, zero-copy.
    public static let strict = RestoreOptions()
}
