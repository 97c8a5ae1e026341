import Arbor
import ArborCheckpoint
import ArborExamples
import ArgumentParser
import Foundation

/// `arbor-test-helper train-steps DIR`: resumes the two-spirals example from DIR's
/// latest step (or starts it), trains `--steps` more steps and saves. The
/// exact-resume tests run it in fresh processes and compare with an
/// uninterrupted run bit for bit.
struct TrainStepsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-steps",
        abstract: "Resume the example from a checkpoint directory, train N steps, save (for exact-resume tests)."
    )

    @Argument(help: "Checkpoint directory.")
    var directory: String

    @Option(help: "Steps to train in this process, 0...\(Self.maximumSteps).")
    var steps = 20

    static let maximumSteps = 100_000

    func validate() throws {
        guard (0...Self.maximumSteps).contains(steps) else {
            throw ValidationError("--steps \(steps): must be 0...\(Self.maximumSteps)")
        }
    }

    @Option(help: "Seed of the example run.")
    var seed: UInt64 = 7

    func run() async throws {
        try await HelperFailure.exitingOnError {
            let manager = try CheckpointManager(directory: URL(fileURLWithPath: directory))
            let example = TwoSpiralsExample(seed: seed)
            if let latest = try await manager.latestStep() {
                try example.restore(try await manager.restore(step: latest).state("train"))
            }
            for _ in 0..<steps { try example.step() }
            try await manager.save(step: Int(example.stepCount), items: ["train": .state(try example.checkpointState)])
            try await manager.close()
            print("saved step \(example.stepCount)")
        }
    }
}
