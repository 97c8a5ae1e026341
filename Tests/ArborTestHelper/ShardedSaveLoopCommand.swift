import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborExamples
import ArgumentParser
import Foundation

/// `arbor-test-helper sharded-save-loop DIR --rank R --ranks N --rendezvous DIR2` (hidden):
/// one of N processes saving sharded checkpoints together, every step, until
/// killed. The crash-safety tests SIGKILL one rank at random moments; the other
/// ranks notice at their next collective (timeout) and exit with an error, and
/// no step may look complete unless every rank's files were durable.
struct ShardedSaveLoopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharded-save-loop",
        abstract: "Save sharded checkpoints from several processes in a loop (for crash-safety tests)."
    )

    @Argument(help: "Checkpoint run directory.")
    var directory: String

    @Option(help: "This process's rank.")
    var rank = 0

    @Option(help: "Number of processes.")
    var ranks = 1

    @Option(help: "Fresh directory where the processes meet (one per launch).")
    var rendezvous: String?

    @Option(help: "How many steps to save (after the directory's latest).")
    var steps = 1_000

    @Option(help: "Rows of the sharded [rows, 256] parameter.")
    var rows = 256

    @Option(help: "Milliseconds a collective waits for the other processes.")
    var timeoutMs = 2_000

    @Flag(help: "Do not save: check that no partial step is listed and the newest step restores bit-exact on one process.")
    var check = false

    func validate() throws {
        guard (1...64).contains(ranks) else { throw ValidationError("--ranks \(ranks): must be 1...64") }
        guard (0..<ranks).contains(rank) else { throw ValidationError("--rank \(rank): must be 0..<\(ranks)") }
        guard (0...SaveLoopCommand.maximumSteps).contains(steps) else {
            throw ValidationError("--steps \(steps): must be 0...\(SaveLoopCommand.maximumSteps)")
        }
        guard (1...(1 << 16)).contains(rows) else { throw ValidationError("--rows \(rows): must be 1...65536") }
        guard (1...600_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms \(timeoutMs): must be 1...600000") }
    }

    func run() async throws {
        try await HelperFailure.exitingOnError {
            if check { return try checkLatest() }
            guard let rendezvous else { throw ValidationError("--rendezvous is required to save") }
            let group = try DirectoryProcessGroup(directory: URL(fileURLWithPath: rendezvous), rank: rank, size: ranks,
                                                  timeout: .milliseconds(timeoutMs))
            let mesh = try Mesh(["fsdp": ranks], processIndex: rank, processCount: ranks)
            let manager = try CheckpointManager(
                directory: URL(fileURLWithPath: directory),
                options: .init(retention: RetentionPolicy(keepLatest: 2), processGroup: group))
            let start = (try await manager.latestStep() ?? 0) + 1
            for step in start..<(start + steps) {
                let state = try ShardedSaveLoopState.make(step: step, rows: rows).sharded(over: mesh)
                try await manager.save(step: step, items: ["state": .state(state)], metrics: ["step": Double(step)])
            }
            try await manager.close()
        }
    }

    private func checkLatest() throws {
        try SaveLoopCommand.checkLatest(in: directory) { step in try ShardedSaveLoopState.make(step: step, rows: rows) }
    }
}
