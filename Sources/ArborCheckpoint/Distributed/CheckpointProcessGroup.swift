/// The collectives a multi-process save needs: who am I, how many are we, and
/// an all-gather of bytes (which is also the barrier).
///
/// A checkpoint written by several processes commits only after every process
/// reported its files durable, so saving needs a rendezvous; restoring needs
/// none (every process reads only the bytes it needs). Every process of the
/// group must make the same calls in the same order.
///
/// `SingleCheckpointProcess` is the default: single-process code never sees a
/// group. `DirectoryProcessGroup` joins processes on one machine through a
/// shared directory; a process-group engine (threads, MPI) conforms by
/// forwarding its own collectives.
///
/// ```swift
/// let checkpointer = Checkpointer(processGroup: group)
/// try checkpointer.save(["params": .state(shardedParams)], to: url)  // on every rank
/// ```
public protocol CheckpointProcessGroup: Sendable {
    /// This process's index, `0..<size`; rank 0 is the primary, which commits.
    var rank: Int { get }
    /// Number of processes in the group.
    var size: Int { get }
    /// Every process's `bytes`, in rank order (this process's own included).
    /// Returns only when every process has called it.
    func allGather(_ bytes: [UInt8]) throws(CheckpointError) -> [[UInt8]]
}

extension CheckpointProcessGroup {
    /// Whether this process writes the commit and deletes old steps.
    public var isPrimary: Bool { rank == 0 }

    /// Returns once every process has called it.
    public func barrier() throws(CheckpointError) { _ = try allGather([]) }
}

/// The group of one process: every collective returns at once.
public struct SingleCheckpointProcess: CheckpointProcessGroup {
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }

    /// The single-process group.
    public init() {}

    /// `[bytes]`.
    public func allGather(_ bytes: [UInt8]) throws(CheckpointError) -> [[UInt8]] { [bytes] }
}
