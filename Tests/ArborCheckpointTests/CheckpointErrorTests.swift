import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// Checkpoint errors keep the structure of what went wrong, so a caller can
/// `catch` the case it can handle, written here as a user writes it.
@Suite struct CheckpointErrorTests {
    /// A module that refers back to itself: `Graph` cannot capture it.
    final class Loop: Module {
        var next: Loop?
        var weight = Param(Tensor(zeros: [1]))
        init() {}
    }

    private func saveStack(depth: Int, to url: URL) throws {
        try Checkpointer().save(["params": .state(try Graph.state(TestStack(depth: depth)))], to: url)
    }

    @Test func aRestoreIntoTheWrongModelIsACatchableMismatch() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("ckpt")
        try saveStack(depth: 2, to: url)
        let model = TestStack(depth: 3)
        do {
            try Checkpointer().open(url).restore("params", into: model)
            Issue.record("restored a 2-layer checkpoint into a 3-layer model")
        } catch CheckpointError.mismatch(_, let mismatch) {
            #expect(mismatch.problems.map(\.path.description).contains { $0.hasPrefix("layers/2") })
        } catch {
            Issue.record("expected CheckpointError.mismatch, got \(error)")
        }
    }

    @Test func aModelGraphCannotReadIsAGraphError() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("ckpt")
        try saveStack(depth: 1, to: url)
        let model = Loop()
        model.next = model
        do {
            try Checkpointer().open(url).restore("params", into: model)
            Issue.record("restored into a model with a reference cycle")
        } catch CheckpointError.graph(.cycle(let path, _)) {
            #expect(path == ["next"])
        } catch {
            Issue.record("expected CheckpointError.graph(.cycle), got \(error)")
        }
    }

    @Test func savingAnAbstractStateNamesTheItemAndPath() throws {
        let directory = try TemporaryDirectory()
        let abstract = try Graph.state(Graph.evalShape { TestStack(depth: 1) })
        #expect(throws: CheckpointError.abstractValue(item: "params", path: ["layers", 0, "bias"])) {
            try Checkpointer().save(["params": .state(abstract)], to: directory.file("ckpt"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == [])
    }

    @Test func aNegativeStepIsInvalid() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url)
        await #expect(throws: CheckpointError.invalidStep(-1)) {
            try await manager.save(step: -1, items: ["config": .json(Data("{}".utf8))])
        }
        try await manager.close()
    }

    @Test func aValueJSONCannotHoldIsAJSONError() {
        let error = #expect(throws: CheckpointError.self) { try CheckpointItem.json(encoding: ["loss": Double.nan]) }
        guard case .json(let file, _)? = error else { Issue.record("expected .json, got \(String(describing: error))"); return }
        #expect(file == "value.json")
    }

    @Test func aBackgroundFailureWrapsTheUnderlyingError() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url)
        let abstract = try Graph.state(Graph.evalShape { TestStack(depth: 1) })
        try await manager.save(step: 1, items: ["params": .state(abstract)])
        // (A `catch CheckpointError.backgroundSaveFailed(…)` clause in an async test crashes
        // Swift 6.3's SILGen on this indirect case; the same match as an `if case`.)
        let error = await #expect(throws: CheckpointError.self) { try await manager.waitUntilFinished() }
        guard case .backgroundSaveFailed(let step, let underlying)? = error else {
            Issue.record("expected backgroundSaveFailed, got \(String(describing: error))")
            return
        }
        #expect(step == 1)
        #expect(underlying == .abstractValue(item: "params", path: ["layers", 0, "bias"]))
        try await manager.close()
    }

    @Test func aRunDirectoryThatCannotBeListedIsAnErrorNotEmpty() throws {
        let directory = try TemporaryDirectory()
        let notADirectory = directory.file("run")
        try Data("not a directory".utf8).write(to: notADirectory)
        let run = CheckpointDirectory(url: notADirectory)
        do {
            _ = try run.leftovers()
            Issue.record("listed leftovers of a regular file")
        } catch CheckpointError.io(let failure) {
            #expect(failure.path == notADirectory.path && failure.operation == "list directory")
        }
        #expect(throws: CheckpointError.self) { try run.removeLeftovers() }
        #expect(throws: CheckpointError.self) { try run.entries() }
        // A run directory that does not exist yet has no leftovers.
        #expect(try CheckpointDirectory(url: directory.file("missing")).leftovers() == [])
    }
}
