import Arbor
import ArborTestSupport
import Foundation
import Testing
@testable import ArborCheckpoint

@Suite struct CheckpointManagerTests {
    @Test func savePolicyDecidesWhichStepsAreWritten() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url, options: .init(savePolicy: SavePolicy(every: 5)))
        var saved: [Int] = []
        for step in 1...12 where try await manager.save(step: step, items: ["p": paramsItem(Float(step))]) {
            saved.append(step)
        }
        #expect(try await manager.save(step: 13, items: ["p": paramsItem(13)], force: true))
        try await manager.close()
        #expect(saved == [5, 10])
        #expect(try CheckpointDirectory(url: directory.url).completeSteps() == [5, 10, 13])
    }

    @Test func retentionKeepsLatestAndBestSeparately() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url, options: .init(
            retention: RetentionPolicy(keepLatest: 3, keepBest: .init(metric: "loss", mode: .min, count: 1))))
        let losses: [Double] = [0.9, 0.1, 0.5, 0.6, 0.7, 0.8, 0.95]
        for (index, loss) in losses.enumerated() {
            try await manager.save(step: (index + 1) * 10, items: ["p": paramsItem(Float(index))], metrics: ["loss": loss])
        }
        try await manager.waitUntilFinished()
        #expect(try await manager.allSteps() == [20, 50, 60, 70])
        #expect(try await manager.latestStep() == 70)
        #expect(try await manager.bestStep() == 20)
        #expect(try await manager.metadata(step: 20).metrics["loss"] == 0.1)
        let restored = try await manager.restore().state("p")
        #expect(restored.leaves[0].value == Tensor([6, 7] as [Float]))
        try await manager.close()
    }

    @Test func backgroundErrorsAreThrownByTheNextCall() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url)
        try await manager.save(step: 1, items: ["p": paramsItem(1)])
        try await manager.waitUntilFinished()
        // Step 1 exists: the second save fails in the background...
        try await manager.save(step: 1, items: ["p": paramsItem(2)])
        // ...and the failure surfaces on the next call instead of being lost.
        let error = await #expect(throws: CheckpointError.self) { try await manager.waitUntilFinished() }
        if case .backgroundSaveFailed(let step, _) = error {
            #expect(step == 1)
        } else {
            Issue.record("expected backgroundSaveFailed, got \(String(describing: error))")
        }
        // Reported once; the manager keeps working and the old step is intact.
        #expect(try await manager.restore(step: 1).state("p").leaves[0].value == Tensor([1, 2] as [Float]))
        try await manager.close()
        await #expect(throws: CheckpointError.closed) { try await manager.latestStep() }
    }

    @Test func closeWaitsForTheLastSave() async throws {
        let directory = try TemporaryDirectory()
        let big = try State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor(zeros: [4 << 20])))])
        let manager = try CheckpointManager(directory: directory.url)
        try await manager.save(step: 3, items: ["p": .state(big)])
        try await manager.close()
        #expect(try CheckpointDirectory(url: directory.url).completeSteps() == [3])
    }

    @Test func snapshotIsTakenAtSave() async throws {
        let directory = try TemporaryDirectory()
        let variable = Param(Tensor([1, 2, 3] as [Float]))
        let manager = try CheckpointManager(directory: directory.url)
        let state = try State(flat: [(Path(["v"]), variable.state)])
        try await manager.save(step: 1, items: ["p": .state(state)])
        variable.value.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 99 }   // training goes on
        try await manager.close()
        let restored = try Checkpointer().open(directory.url.appendingPathComponent("step_00000001")).state("p")
        #expect(restored.leaves[0].value == Tensor([1, 2, 3] as [Float]))
    }

    @Test func incompleteStepsAndLeftoversAreNeverLatest() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url)
        try await manager.save(step: 1, items: ["p": paramsItem(1)])
        try await manager.close()
        // A crash mid-save leaves a temporary directory; a damaged step lacks checkpoint.json.
        let fm = FileManager.default
        try fm.createDirectory(at: directory.file(".tmp-step_00000003-abcd"), withIntermediateDirectories: true)
        try fm.createDirectory(at: directory.file("step_00000002"), withIntermediateDirectories: true)
        let reopened = try CheckpointManager(directory: directory.url)
        #expect(try await reopened.latestStep() == 1)
        #expect(!fm.fileExists(atPath: directory.file(".tmp-step_00000003-abcd").path), "leftovers are removed")
        let entries = try CheckpointDirectory(url: directory.url).entries()
        #expect(entries.map(\.step) == [1, 2])
        #expect(entries.last?.isComplete == false)
        await #expect(throws: CheckpointError.noSuchStep(directory: directory.url.path, step: 2)) {
            try await reopened.restore(step: 2)
        }
        try await reopened.close()
    }

    @Test func deleteAndSynchronousMode() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url, options: .init(asynchronous: false))
        try await manager.save(step: 1, items: ["p": paramsItem(1)])
        #expect(try await manager.allSteps() == [1], "synchronous saves are on disk when save returns")
        try await manager.save(step: 2, items: ["p": paramsItem(2)])
        try await manager.delete(step: 1)
        #expect(try await manager.allSteps() == [2])
        await #expect(throws: CheckpointError.self) { try await manager.delete(step: 1) }
        try await manager.close()
    }

    @Test func emptyDirectoryHasNoLatest() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.file("run"))
        #expect(try await manager.latestStep() == nil)
        await #expect(throws: CheckpointError.noCheckpoints(directory: directory.file("run").path)) {
            try await manager.restore()
        }
        try await manager.close()
    }
}
