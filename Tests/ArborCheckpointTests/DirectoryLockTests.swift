import Arbor
import ArborTestSupport
import Foundation
import Testing
@testable import ArborCheckpoint

/// One writer per run directory: the manager's lock, as a library user meets it.
@Suite struct DirectoryLockTests {
    @Test func aSecondManagerFailsNamingTheHolderUntilTheFirstCloses() async throws {
        let directory = try TemporaryDirectory()
        let first = try CheckpointManager(directory: directory.url, options: .init(asynchronous: false))
        #expect(throws: CheckpointError.locked(path: directory.url.path, pid: Int(ProcessInfo.processInfo.processIdentifier))) {
            _ = try CheckpointManager(directory: directory.url, options: .init(asynchronous: false))
        }
        do { _ = try CheckpointManager(directory: directory.url) } catch {
            #expect(error.description.contains("pid \(ProcessInfo.processInfo.processIdentifier)"), "\(error)")
        }
        try await first.save(step: 1, items: ["params": try paramsItem(1)])
        try await first.close()

        let second = try CheckpointManager(directory: directory.url, options: .init(asynchronous: false))
        try await second.save(step: 2, items: ["params": try paramsItem(2)])
        #expect(try await second.allSteps() == [1, 2])
        try await second.close()
    }

    @Test func aSecondManagerAskedToWaitGetsTheLockWhenTheFirstCloses() async throws {
        let directory = try TemporaryDirectory()
        let first = try CheckpointManager(directory: directory.url, options: .init(asynchronous: false))
        try await first.save(step: 1, items: ["params": try paramsItem(1)])
        let url = directory.url
        let waiting = Task.detached { () throws -> [Int] in
            var options = CheckpointManager.Options(asynchronous: false)
            options.waitForLock = true
            let second = try CheckpointManager(directory: url, options: options)
            try await second.save(step: 2, items: ["params": try paramsItem(2)])
            let steps = try await second.allSteps()
            try await second.close()
            return steps
        }
        try await first.close()
        #expect(try await waiting.value == [1, 2])
    }

    @Test func theLockFileIsNeitherAStepNorALeftover() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url, options: .init(asynchronous: false))
        try await manager.save(step: 3, items: ["params": try paramsItem(3)])
        let run = CheckpointDirectory(url: directory.url)
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(DirectoryLock.fileName).path))
        #expect(try run.entries().map(\.step) == [3])
        #expect(try run.leftovers().isEmpty)
        // Readers take no lock.
        #expect(try run.verify(step: 3).isEmpty)
        #expect(try Checkpointer().open(directory.url.appendingPathComponent(StepDirectoryName.name(for: 3))).step == 3)
        try await manager.close()
    }

    @Test func anIncompleteLatestStepIsSkippedAndReplacedBySavingItAgain() async throws {
        let directory = try TemporaryDirectory()
        let manager = try CheckpointManager(directory: directory.url, options: .init(asynchronous: false))
        try await manager.save(step: 1, items: ["params": try paramsItem(1)])
        try await manager.save(step: 2, items: ["params": try paramsItem(2)])
        let metadata = directory.url.appendingPathComponent("step_00000002/checkpoint.json")
        try Data().write(to: metadata)
        #expect(try await manager.latestStep() == 1)
        try await manager.save(step: 2, items: ["params": try paramsItem(5)])
        #expect(try await manager.latestStep() == 2)
        let restored = try Checkpointer().open(directory.url.appendingPathComponent("step_00000002")).state("params")
        #expect(restored == (try State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor([Float(5), 6])))])))
        // A complete step is still never replaced without force.
        await #expect(throws: CheckpointError.self) {
            try await manager.save(step: 2, items: ["params": try paramsItem(7)])
        }
        try? await manager.close()
    }
}
