import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import Testing

/// `arbor checkpoints` and `arbor verify` as a user runs them.
@Suite struct CheckpointCommandsTests {
    private func makeRun() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "arbor-cli-ckpt")
        let manager = try CheckpointManager(directory: directory.url)
        for step in [10, 20, 30] {
            let state = try State(flat: [(Path(["layers", 0, "weight"]), VariableState(kind: .param, value: Tensor([Float(step), 1, 2])))])
            try await manager.save(step: step, items: ["params": .state(state)], metrics: ["loss": 1 / Double(step)])
        }
        try await manager.close()
        return directory
    }

    @Test func listsStepsAsTableAndJSON() async throws {
        let directory = try await makeRun()
        let table = try ArborExecutable.run(["checkpoints", directory.url.path])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("3 complete step(s)"))
        #expect(table.stdout.contains("loss=0.05"))

        let json = try ArborExecutable.run(["checkpoints", "--json", directory.url.path])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["step"] as? Int } == [10, 20, 30])
        #expect(steps.allSatisfy { $0["status"] as? String == "complete" })
        #expect(steps.allSatisfy { ($0["bytes"] as? Int ?? 0) > 0 })
    }

    @Test func verifyPassesThenNamesTheDamagedFile() async throws {
        let directory = try await makeRun()
        let ok = try ArborExecutable.run(["verify", directory.url.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("3 steps verified"))

        let damaged = directory.url.appendingPathComponent("step_00000020/params/data-00000-of-00001.safetensors")
        var bytes = try Data(contentsOf: damaged)
        bytes[bytes.count - 1] ^= 0x80
        try bytes.write(to: damaged)

        let bad = try ArborExecutable.run(["verify", directory.url.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("step_00000020/params/data-00000-of-00001.safetensors"), "\(bad.stderr)")
        #expect(try ArborExecutable.run(["verify", directory.url.path, "--step", "30"]).status == 0)
        #expect(try ArborExecutable.run(["verify", directory.url.path, "--step", "20"]).status == 1)
    }

    @Test func missingDirectoryIsAnError() throws {
        let outcome = try ArborExecutable.run(["checkpoints", "/nonexistent/run"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("/nonexistent/run"))
        #expect(try ArborExecutable.run(["verify", "/nonexistent/run"]).status == 1)
    }
}
