import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import Testing

/// `arbor checkpoints` on a run whose `checkpoint.json` is hostile.
@Suite struct CheckpointsCommandTests {
    /// Sizes summing past `Int.max` overflowed (SIGILL); now a one-line error
    /// naming the step's `checkpoint.json`.
    @Test func hugeFileSizesAreACorruptFileNotACrash() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-cli-ckpt-sizes")
        let manager = try CheckpointManager(directory: directory.url)
        let state = try State(flat: [
            (Path(["w"]), VariableState(kind: .param, value: Tensor([Float(1), 2]))),
            (Path(["b"]), VariableState(kind: .param, value: Tensor([Float(3)]))),
        ])
        try await manager.save(step: 1, items: ["params": .state(state)], metrics: [:])
        try await manager.close()

        let metadataURL = directory.url.appendingPathComponent("step_00000001/checkpoint.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: metadataURL)) as? [String: Any])
        var files = try #require(object["files"] as? [String: [String: Any]])
        #expect(files.count >= 2)
        for name in files.keys { files[name]?["bytes"] = Int.max }
        object["files"] = files
        try JSONSerialization.data(withJSONObject: object).write(to: metadataURL)

        for arguments in [["checkpoints", directory.url.path], ["checkpoints", "--json", directory.url.path]] {
            let run = try ArborExecutable.run(arguments)
            #expect(!run.signaled)
            #expect(run.status == 1)
            #expect(run.stderr.contains("step_00000001/checkpoint.json"), "\(run.stderr)")
            #expect(run.stderr.contains("add up to more than"))
        }
    }
}
