import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborTestSupport
import Foundation
import Testing

/// `CheckpointManager` shared by the ranks of a process group: retention,
/// background saves, errors on every rank, cleanup of a dead save.
@Suite struct ShardedCheckpointManagerTests {
    /// Rank `rank`'s shards of the test state at `step`.
    static func shards(step: Int, rank: Int, of count: Int) throws -> State {
        let whole = try State(flat: [
            (Path(["w"]), VariableState(kind: .param, value: Tensor((0..<24).map { Float($0 + step) }, shape: [6, 4]),
                                        metadata: VariableMetadata(sharding: ["fsdp", nil]))),
            (Path(["b"]), VariableState(kind: .param, value: Tensor([Float(step)]))),
        ])
        return try whole.sharded(over: try Mesh(["fsdp": count], processIndex: rank, processCount: count))
    }

    @Test func ranksShareRetentionAndAgreeOnTheSteps() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded-manager")
        let url = directory.url
        let steps = try await onRanks(4) { group in
            let manager = try CheckpointManager(directory: url, options: .init(
                retention: RetentionPolicy(keepLatest: 2), processGroup: group))
            return try blocking {
                for step in 1...5 {
                    try await manager.save(step: step, items: ["params": .state(try Self.shards(step: step, rank: group.rank, of: 4))],
                                           metrics: ["loss": Double(10 - step)])
                }
                try await manager.waitUntilFinished()
                let steps = try await manager.allSteps()
                try await manager.close()
                return steps
            }
        }
        #expect(steps == Array(repeating: [4, 5], count: 4))
        let restored = try Checkpointer().open(url.appendingPathComponent(StepDirectoryName.name(for: 5))).state("params")
        #expect(restored[Path(["w"])]?.value == Tensor((0..<24).map { Float($0 + 5) }, shape: [6, 4]))
        #expect(try CheckpointDirectory(url: url).leftovers().isEmpty)
    }

    @Test func aFailureOnOneRankIsThrownOnEveryRank() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded-manager")
        let url = directory.url
        let outcomes = try await onRanks(3) { group in
            let manager = try CheckpointManager(directory: url, options: .init(processGroup: group))
            return try blocking { () -> String in
                try await manager.save(step: 1, items: ["params": .state(try Self.shards(step: 1, rank: group.rank, of: 3))])
                // Rank 2 saves a state of another layout: the primary refuses to commit.
                let bad = group.rank == 2 ? try Self.shards(step: 2, rank: 2, of: 3).filter(.under(Path(["w"])))
                    : try Self.shards(step: 2, rank: group.rank, of: 3)
                try await manager.save(step: 2, items: ["params": .state(bad)])
                do {
                    // The save fails in the background; the next call reports it, here the
                    // third save (it waits for the second: one save in flight at a time).
                    try await manager.save(step: 3, items: ["params": .state(try Self.shards(step: 3, rank: group.rank, of: 3))])
                    try await manager.waitUntilFinished()
                    return "no error"
                } catch CheckpointError.backgroundSaveFailed(step: 2, _) {
                    let steps = try await manager.allSteps()
                    try await manager.close()
                    return "failed; steps \(steps)"
                }
            }
        }
        #expect(outcomes == Array(repeating: "failed; steps [1]", count: 3))
    }

    @Test func theNextManagerRemovesWhatADeadSaveLeft() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded-manager")
        let url = directory.url
        let leftover = url.appendingPathComponent(".tmp-step_00000009-deadbeef/params", isDirectory: true)
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: leftover.appendingPathComponent("process-00001-of-00002.safetensors"))
        _ = try await onRanks(2) { group in
            _ = try CheckpointManager(directory: url, options: .init(processGroup: group))
        }
        #expect(try CheckpointDirectory(url: url).leftovers().isEmpty)
        #expect(try CheckpointDirectory(url: url).completeSteps().isEmpty)
    }
}
