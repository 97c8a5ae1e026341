import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import Testing

/// Names read from a checkpoint never lead a command outside the step directory.
@Suite struct CheckpointNameTests {
    /// A run with one step (10) holding a State item `params` (`weight`, f32 [3]);
    /// returns the temporary directory and the step directory.
    static func makeStep(prefix: String = "arbor-cli-names") async throws -> (TemporaryDirectory, URL) {
        let directory = try TemporaryDirectory(prefix: prefix)
        let run = directory.url.appendingPathComponent("run")
        let manager = try CheckpointManager(directory: run)
        let state = try State(flat: [(Path(["weight"]), VariableState(kind: .param, value: Tensor([Float(1), 2, 3])))])
        try await manager.save(step: 10, items: ["params": .state(state)])
        try await manager.close()
        return (directory, run.appendingPathComponent("step_00000010"))
    }

    /// Rewrites the step's `checkpoint.json` through `edit`.
    private func editMetadata(_ step: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let file = step.appendingPathComponent("checkpoint.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: file)
    }

    @Test func verifyRefusesAFilesEntryOutsideTheStep() async throws {
        let (directory, step) = try await Self.makeStep()
        let outside = directory.url.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: outside.appendingPathComponent("secret.txt"))
        try editMetadata(step) { object in
            var files = object["files"] as? [String: Any] ?? [:]
            files["../outside/secret.txt"] = ["bytes": 6, "sha256": String(repeating: "0", count: 64)]
            object["files"] = files
        }
        let outcome = try ArborExecutable.run(["verify", step.deletingLastPathComponent().path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("refusing name \"../outside/secret.txt\""), "\(outcome.stderr)")
        // The sha256 of "secret" must not be printed.
        #expect(!outcome.stderr.contains("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"))
    }

    @Test func verifyRefusesASymlinkLeadingOut() async throws {
        let (directory, step) = try await Self.makeStep()
        let secret = directory.url.appendingPathComponent("secret.txt")
        try Data("secret".utf8).write(to: secret)
        try editMetadata(step) { object in
            var files = object["files"] as? [String: Any] ?? [:]
            files["params/link.txt"] = ["bytes": 6, "sha256": String(repeating: "0", count: 64)]
            object["files"] = files
        }
        try FileManager.default.createSymbolicLink(at: step.appendingPathComponent("params/link.txt"), withDestinationURL: secret)
        let outcome = try ArborExecutable.run(["verify", step.deletingLastPathComponent().path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("refusing name \"params/link.txt\""), "\(outcome.stderr)")
    }

    @Test func convertRefusesAnItemOutsideTheStep() async throws {
        let (directory, step) = try await Self.makeStep()
        // A copy of the item beside the step, named by `../x`.
        try FileManager.default.copyItem(at: step.appendingPathComponent("params"), to: directory.url.appendingPathComponent("run/x"))
        try editMetadata(step) { object in
            object["items"] = ["../x": ["kind": "state", "files": [String]()]]
        }
        let out = directory.url.appendingPathComponent("out")
        let outcome = try ArborExecutable.run(["convert", step.path, out.path, "--to", "hf"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("refusing name \"../x\""), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))

        let given = try ArborExecutable.run(["convert", step.path, out.path, "--to", "hf", "--item", "../x"])
        #expect(given.status == 1)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func restoreRefusesADataFileSymlinkLeadingOut() async throws {
        let (directory, step) = try await Self.makeStep()
        let params = step.appendingPathComponent("params")
        let data = try #require(try FileManager.default.contentsOfDirectory(atPath: params.path).first { $0.hasSuffix(".safetensors") })
        let moved = directory.url.appendingPathComponent(data)
        try FileManager.default.moveItem(at: params.appendingPathComponent(data), to: moved)
        try FileManager.default.createSymbolicLink(at: params.appendingPathComponent(data), withDestinationURL: moved)
        let checkpoint = try Checkpoint(url: step)
        #expect(throws: CheckpointError.self) { _ = try checkpoint.state("params") }
        do { _ = try checkpoint.state("params") } catch {
            guard case .unsafeName(_, let name, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(name == data)
        }
    }
}
