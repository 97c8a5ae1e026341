import ArborCheckpoint
import ArgumentParser
import Foundation

/// `arbor verify DIR`: recompute every checksum of a run's checkpoints.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every file of a checkpoint directory against its SHA-256; exit 1 naming any damaged file."
    )

    @Argument(help: "A checkpoint directory (holding step_NNNNNNNN directories) or one step directory.")
    var directory: String

    @Option(help: "Verify only this step.")
    var step: Int?

    func run() async throws {
        try await Terminal.failing {
            let url = URL(fileURLWithPath: directory)
            // A single step directory can be verified directly.
            if step == nil, FileManager.default.fileExists(atPath: url.appendingPathComponent(CheckpointMetadata.fileName).path) {
                let checkpoint = try Checkpoint(url: url)
                let written = checkpoint.processCount > 1 ? " (written by \(checkpoint.processCount) processes)" : ""
                try report(checkpoint.verify(), checked: [url.lastPathComponent + written])
                return
            }
            let run = CheckpointDirectory(url: url)
            let steps = try step.map { [$0] } ?? run.completeSteps()
            guard !steps.isEmpty else { throw CheckpointError.noCheckpoints(directory: url.path) }
            var problems: [CheckpointError] = []
            for step in steps { problems += try run.verify(step: step) }
            try report(problems, checked: steps.map { "step \($0)" })
        }
    }

    private func report(_ problems: [CheckpointError], checked: [String]) throws {
        guard problems.isEmpty else {
            for problem in problems { Terminal.error("arbor: \(problem)") }
            throw ExitCode.failure
        }
        print("ok: \(checked.count == 1 ? checked[0] : "\(checked.count) steps") verified, every checksum matches")
    }
}
