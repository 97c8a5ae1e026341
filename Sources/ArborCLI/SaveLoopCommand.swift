import Arbor
import ArborCheckpoint
import ArgumentParser
import Foundation

/// `arbor save-loop DIR` (hidden): saves a deterministic state at every step
/// until killed. The crash-safety tests SIGKILL it at random moments and check
/// that the newest listed step always restores bit-exact.
struct SaveLoopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save-loop",
        abstract: "Save deterministic checkpoints in a loop (for crash-safety tests).",
        shouldDisplay: false
    )

    @Argument(help: "Checkpoint directory.")
    var directory: String

    @Option(help: "How many steps to save (after the directory's latest).")
    var steps = 1_000

    @Option(help: "Elements per tensor (size of each save).")
    var elements = 1 << 18

    @Flag(help: "Do not save: check that no partial step is listed and the newest step restores bit-exact.")
    var check = false

    func run() async throws {
        try await Terminal.failing {
            if check { return try checkLatest() }
            let manager = try CheckpointManager(
                directory: URL(fileURLWithPath: directory),
                options: .init(retention: RetentionPolicy(keepLatest: 2), maxDataFileBytes: elements * 4))
            let start = (try await manager.latestStep() ?? 0) + 1
            for step in start..<(start + steps) {
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

/// The state saved at each step of `save-loop`: values derived from the step so
/// a test can recompute what any step must restore to.
enum SaveLoopState {
    static func make(step: Int, elements: Int) throws -> State {
        let base = Float(step)
        let a = Tensor((0..<elements).map { Float($0) * 0.5 + base }, shape: [elements])
        let b = Tensor((0..<elements).map { Int32(truncatingIfNeeded: $0 &* 31 &+ step) }, shape: [elements])
        let counter = Tensor(scalar: Int64(step))
        return try State(flat: [
            (Path(["layers", 0, "weight"]), VariableState(kind: .param, value: a)),
            (Path(["layers", 1, "weight"]), VariableState(kind: .param, value: b)),
            (Path(["step"]), VariableState(kind: .rngState, value: counter)),
        ])
    }
}
