import Arbor
import ArborCheckpoint
import ArborExamples
import ArborTestSupport
import Foundation
import Testing

/// Training 40 steps straight equals 20 steps + save + restore in a fresh process
/// + 20 steps, bitwise: params, optimizer state, RNG state, BatchNorm statistics.
@Suite struct ExactResumeTests {
    @Test func resumeInFreshProcessesIsBitExact() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-resume")
        for _ in 0..<2 {
            let outcome = try ArborExecutable.run(["train-steps", directory.url.path, "--steps", "20", "--seed", "11"],
                                                  executable: ArborExecutable.testHelper)
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let straight = TwoSpiralsExample(seed: 11)
        for _ in 0..<40 { try straight.step() }

        let checkpoint = try Checkpointer().open(directory.url.appendingPathComponent(StepDirectoryName.name(for: 40)))
        let resumed = try checkpoint.state("train")
        let expected = try straight.checkpointState
        #expect(resumed == expected, "\(resumed.diff(expected))")
        let kinds = Set(resumed.leaves.map(\.kind.name))
        #expect(kinds.isSuperset(of: ["Param", "BatchStat", "RngState"]), "\(kinds)")
        #expect(resumed.paths.contains { $0.description.hasPrefix("optimizer") })
    }

    /// The demo's own story, through the CLI: interrupted and resumed equals straight.
    @Test func demoResumesFromItsWorkdir() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-demo")
        let first = try ArborExecutable.run(["demo", "--workdir", directory.url.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("bit for bit"))
        #expect(first.stdout.contains("loaded strictly into a new GPT2"))
        #expect(first.stdout.contains("logits identical bit for bit"))
        let exported = directory.url.appendingPathComponent("interop/gpt2-hf")
        #expect(FileManager.default.fileExists(atPath: exported.appendingPathComponent("model.safetensors.index.json").path))
        #expect(FileManager.default.fileExists(atPath: exported.appendingPathComponent("config.json").path))
        let second = try ArborExecutable.run(["demo", "--workdir", directory.url.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("resuming from it"))
        let listing = try ArborExecutable.run(["checkpoints", directory.url.appendingPathComponent("checkpoints").path, "--json"])
        #expect(listing.status == 0)
        let verify = try ArborExecutable.run(["verify", directory.url.appendingPathComponent("checkpoints").path])
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}
