import ArborDistributed

/// One named check run on every rank of a group; it passes on a rank when it
/// returns `nil` and fails with the returned (or thrown) message.
public struct DistributedCheck: Sendable {
    /// What it checks.
    public let name: String
    /// Runs the check; `nil` means it passed.
    public let run: @Sendable (any ProcessGroup) throws -> String?

    /// A check named `name`.
    public init(_ name: String, _ run: @escaping @Sendable (any ProcessGroup) throws -> String?) {
        self.name = name
        self.run = run
    }

    /// The outcome of one check on one rank.
    public struct Outcome: Sendable, Equatable {
        /// The check's name.
        public let name: String
        /// `nil` when it passed.
        public let failure: String?
    }

    /// Runs `checks` in order on this rank; a thrown error is a failure, and
    /// later checks still run.
    public static func run(_ checks: [DistributedCheck], group: some ProcessGroup) -> [Outcome] {
        checks.map { check in
            do {
                return Outcome(name: check.name, failure: try check.run(group))
            } catch {
                return Outcome(name: check.name, failure: "threw \(error)")
            }
        }
    }

    /// Every check this module offers: collectives, sharding across ranks, FSDP training,
    /// sharded checkpoints.
    public static var all: [DistributedCheck] {
        CollectiveChecks.all + ShardingChecks.all + FSDPChecks.all + CheckpointChecks.all
    }
}
