import Arbor
import ArborCheckpoint
import ArborExamples
import ArgumentParser
import Foundation

/// `arbor-test-helper save-loop DIR`: saves a deterministic state at every step
/// until killed. The crash-safety tests SIGKILL it at random moments and check
/// that the newest listed step always restores bit-exact.
struct SaveLoopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save-loop",
        abstract: "Save deterministic checkpoints in a loop (for crash-safety tests)."
    )

    @Argument(help: "Checkpoint directory.")
    var directory: String

    @Option(help: "How many steps to save (after the directory's latest), 0...\(Self.maximumSteps).")
    var steps = 1_000

    @Option(help: "Elements per tensor (size of each save), 1...\(Self.maximumElements).")
    var elements = 1 << 18

    static let maximumSteps = 1_000_000
    static let maximumElements = 1 << 26

    func validate() throws {
        guard (0...Self.maximumSteps).contains(steps) else {
            throw ValidationError("--steps \(steps): must be 0...\(Self.maximumSteps)")
        }
        guard (1...Self.maximumElements).contains(elements) else {
            throw ValidationError("--elements \(elements): must be 1...\(Self.maximumElements)")
        }
    }

    @Flag(help: "Do not save: check that no partial step is listed and the newest step restores bit-exact.")
    var check = false

    func run() async throws {
        try await HelperFailure.exitingOnError {
            if check { return try checkLatest() }
            let manager = try CheckpointManager(
                directory: URL(fileURLWithPath: directory),
                options: .init(retention: RetentionPolicy(keepLatest: 2), maxDataFileBytes: elements * 4))
            let latest = try await manager.latestStep() ?? 0
            // Step numbers come from the directory: checked, as a hostile one could hold step Int.max.
            let (start, late) = latest.addingReportingOverflow(1)
            let (end, past) = start.addingReportingOverflow(steps)
            guard !late, !past else {
                throw CheckpointError.corrupt(path: directory, reason: "latest step \(latest) leaves no room for \(steps) more")
            }
            for step in start..<end {
                try await manager.save(step: step, items: ["state": .state(SaveLoopState.make(step: step, elements: elements))],
                                       metrics: ["step": Double(step)])
            }
            try await manager.close()
        }
    }

    private func checkLatest() throws {
        try SaveLoopCommand.checkLatest(in: directory) { step in try SaveLoopState.make(step: step, elements: elements) }
    }

    /// Checks that no partial step is listed in `directory` and that its newest
    /// step verifies and restores (item `state`, on this one process) to exactly
    /// `expected(step)`. Shared with `sharded-save-loop`.
    static func checkLatest(in directory: String, expected: (Int) throws -> State) throws {
        let run = CheckpointDirectory(url: URL(fileURLWithPath: directory))
        let partial = try run.entries().filter { !$0.isComplete }
        guard partial.isEmpty else {
            throw CheckpointError.corrupt(path: directory, reason: "partial steps listed: \(partial.map(\.step))")
        }
        guard let latest = try run.latestStep() else {
            print("no step yet")
            return
        }
        let checkpoint = try Checkpointer().open(run.url.appendingPathComponent(StepDirectoryName.name(for: latest)), verify: true)
        let restored = try checkpoint.state("state", copy: true)
        guard restored == (try expected(latest)) else {
            throw CheckpointError.corrupt(path: checkpoint.url.path, reason: "step \(latest) does not restore bit-exact")
        }
        print("ok: step \(latest) restores bit-exact")
    }
}
