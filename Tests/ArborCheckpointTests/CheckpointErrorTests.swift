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

/// A step replaced with two renames (file systems without an atomic exchange)
/// waits under `.tmp-old-step_…` for a moment; if the process dies then, that is
/// the only copy, and the next manager must put it back rather than delete it.
@Suite struct LeftoverRecoveryTests {
    @Test func anAsideStepWithoutItsOriginalIsRecoveredNotDeleted() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url)
        try await manager.save(step: 7, items: ["meta": .json(Data("{\"a\":1}".utf8))])
        try await manager.close()
        let step = directory.file("step_00000007")
        let aside = directory.file(".tmp-old-step_00000007-1a2b3c4d")
        try FileManager.default.moveItem(at: step, to: aside)      // the crash window

        let reopened = try CheckpointManager(directory: directory.url)
        #expect(try await reopened.allSteps() == [7])
        #expect(!FileManager.default.fileExists(atPath: aside.path))
        #expect(try CheckpointDirectory(url: directory.url).leftovers().isEmpty)
    }

    @Test func anAsideStepWhoseOriginalExistsIsRemoved() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url)
        try await manager.save(step: 7, items: ["meta": .json(Data("{\"a\":1}".utf8))])
        try await manager.close()
        let aside = directory.file(".tmp-old-step_00000007-1a2b3c4d")
        try FileManager.default.copyItem(at: directory.file("step_00000007"), to: aside)
        _ = try CheckpointManager(directory: directory.url)
        #expect(!FileManager.default.fileExists(atPath: aside.path))
    }

    @Test func onlyReplacedStepNamesAreRecognised() {
        #expect(CheckpointDirectory.stepMovedAside(".tmp-old-step_00000007-1a2b3c4d") == "step_00000007")
        #expect(CheckpointDirectory.stepMovedAside(".tmp-step_00000007-1a2b3c4d") == nil)
        #expect(CheckpointDirectory.stepMovedAside(".tmp-old-notastep-1a2b3c4d") == nil)
        #expect(CheckpointDirectory.stepMovedAside(".tmp-deleted-step_00000007-1a2b3c4d") == nil)
    }
}
