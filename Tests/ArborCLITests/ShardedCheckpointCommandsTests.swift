import Arbor
import ArborCheckpoint
import ArborExamples
import ArborTestSupport
import Foundation
import SafeTensors
import Testing
@testable import ArborCLI

/// `arbor checkpoints`, `verify`, `inspect` and `convert` on a run written by
/// two processes (format 2).
@Suite struct ShardedCheckpointCommandsTests {
    /// Two `arbor-test-helper sharded-save-loop` processes save steps 1 and 2 of a [10, 256]
    /// row-sharded parameter and a replicated one.
    private func makeRun() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "arbor-cli-sharded")
        let processes = try (0..<2).map { rank in
            try ArborExecutable.start(["sharded-save-loop", directory.file("run").path, "--rank", String(rank), "--ranks", "2",
                                       "--rendezvous", directory.file("rendezvous").path, "--steps", "2", "--rows", "10"],
                                      executable: ArborExecutable.testHelper)
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        return directory
    }

    @Test func listVerifyAndInspectShowTheProcesses() throws {
        let directory = try makeRun()
        let run = directory.file("run").path
        let listing = try ArborExecutable.run(["checkpoints", "--json", run])
        #expect(listing.status == 0, "\(listing.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any])
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["processes"] as? Int } == [2, 2])
        #expect(steps.compactMap { $0["format_version"] as? Int } == [2, 2])

        let verified = try ArborExecutable.run(["verify", directory.file("run/step_00000002").path])
        #expect(verified.stdout.contains("written by 2 processes"), "\(verified.stdout) \(verified.stderr)")

        let inspected = try ArborExecutable.run(["inspect", run])
        #expect(inspected.status == 0, "\(inspected.stderr)")
        #expect(inspected.stdout.contains("format 2, written by 2 processes"))
        #expect(inspected.stdout.contains("p0 [0..<5, 0..<256]; p1 [5..<10, 0..<256]"))
        #expect(inspected.stdout.contains("process 1 wrote state/process-00001-of-00002.safetensors"))

        let damaged = directory.file("run/step_00000002/state/process-00001-of-00002.safetensors")
        var bytes = try Data(contentsOf: damaged)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: damaged)
        let bad = try ArborExecutable.run(["verify", run])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("process-00001-of-00002.safetensors"), "\(bad.stderr)")
    }

    @Test func convertGathersIntoAnUnshardedCheckpointAndAHuggingFaceDirectory() throws {
        let directory = try makeRun()
        let expected = try ShardedSaveLoopState.make(step: 2, rows: 10)

        let whole = directory.file("whole")
        let toArbor = try ArborExecutable.run(["convert", directory.file("run").path, whole.path, "--to", "arbor"])
        #expect(toArbor.status == 0, "\(toArbor.stderr)")
        let checkpoint = try Checkpointer().open(whole, verify: true)
        #expect(checkpoint.metadata.formatVersion == 1)
        let restored = try checkpoint.state("model")
        #expect(restored.paths == expected.paths)
        #expect(restored.leaves.map(\.value) == expected.leaves.map(\.value))

        let hf = directory.file("hf")
        let toHF = try ArborExecutable.run(["convert", directory.file("run").path, hf.path, "--to", "hf"])
        #expect(toHF.status == 0, "\(toHF.stderr)")
        let tensors = try SafeTensorsFile(contentsOf: hf.appendingPathComponent("model.safetensors")).loadAll()
        #expect(tensors["layers.0.weight"] == expected[Path(["layers", 0, "weight"])]?.value)
        #expect(tensors["layers.0.bias"] == expected[Path(["layers", 0, "bias"])]?.value)
    }
}
