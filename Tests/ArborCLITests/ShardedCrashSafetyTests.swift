import Arbor
import ArborCheckpoint
import ArborExamples
import ArborTestSupport
import Foundation
import Testing
@testable import ArborCLI

/// Three `arbor-test-helper sharded-save-loop` processes save sharded checkpoints
/// together; one of them, chosen at random, is SIGKILLed at a random moment.
/// The others fail at their next collective. After every trial no partial
/// step may be listed, the newest step must never go back, and it must
/// restore bit-exact on one process; the next launch cleans the leftovers.
@Suite struct ShardedCrashSafetyTests {
    static let ranks = 3
    static let rows = 192

    @Test func killingOneRankNeverLeavesAPartialStep() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded-crash")
        let run = directory.file("run")
        var generator = SystemRandomNumberGenerator()
        var previousLatest = 0
        var trialsWithProgress = 0
        for trial in 0..<20 {
            let rendezvous = directory.file("rendezvous-\(trial)").path
            let earlierLeftovers = Set(try CheckpointDirectory(url: run).leftovers())
            let processes = try (0..<Self.ranks).map { rank in
                try ArborExecutable.start(
                    ["sharded-save-loop", run.path, "--rank", String(rank), "--ranks", String(Self.ranks),
                     "--rendezvous", rendezvous, "--rows", String(Self.rows), "--timeout-ms", "1500"],
                    stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice, executable: ArborExecutable.testHelper)
            }
            // Kill while saves are under way (however loaded the machine is): once a
            // staging directory or a new step appears, after a random pause.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            while clock.now < deadline {
                let started = try !Set(CheckpointDirectory(url: run).leftovers()).subtracting(earlierLeftovers).isEmpty
                let newest = try CheckpointDirectory(url: run).latestStep() ?? 0
                if started || newest > previousLatest { break }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            try await Task.sleep(nanoseconds: UInt64.random(in: 0...300_000_000, using: &generator))
            let victim = Int.random(in: 0..<Self.ranks, using: &generator)
            kill(processes[victim].processIdentifier, SIGKILL)
            for process in processes { process.waitUntilExit() }
            #expect(processes.enumerated().allSatisfy { $0.offset == victim || $0.element.terminationStatus != 0 },
                    "trial \(trial): a surviving rank did not notice the dead one")

            let entries = try CheckpointDirectory(url: run).entries()
            let partial = entries.filter { !$0.isComplete }.map(\.step)
            #expect(partial.isEmpty, "trial \(trial): partial step listed: \(partial)")
            guard let latest = try CheckpointDirectory(url: run).latestStep() else { continue }
            #expect(latest >= previousLatest, "trial \(trial): latest went back from \(previousLatest) to \(latest)")
            if latest > previousLatest { trialsWithProgress += 1 }
            previousLatest = latest
            let checkpoint = try Checkpointer().open(run.appendingPathComponent(StepDirectoryName.name(for: latest)))
            #expect(checkpoint.verify().isEmpty, "trial \(trial): step \(latest) fails verification")
            #expect(checkpoint.processCount == Self.ranks)
            #expect(try checkpoint.state("state", copy: true) == (try ShardedSaveLoopState.make(step: latest, rows: Self.rows)),
                    "trial \(trial): step \(latest) does not restore bit-exact")
        }
        #expect(trialsWithProgress >= 5, "the ranks saved too rarely to test anything")
    }
}
