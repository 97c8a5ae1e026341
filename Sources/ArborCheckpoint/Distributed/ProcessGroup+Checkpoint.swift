import ArborDistributed

extension ProcessGroup {
    /// Whether this process writes the commit and deletes old steps (rank 0).
    var isPrimary: Bool { rank == 0 }

    /// `allGather(bytes:)`, its failure a `CheckpointError` naming this rank.
    func gather(_ bytes: [UInt8]) throws(CheckpointError) -> [[UInt8]] {
        do { return try allGather(bytes: bytes) } catch {
            throw .processGroup(rank: rank, reason: error.description)
        }
    }
}
