import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import Testing
import ArborExamples

/// A child process saving checkpoints in a loop is SIGKILLed at random moments;
/// after every kill the newest listed step must restore bit-exact and no partial
/// step may be listed. (`Tests/Stress/crash_trials.sh` runs the long version.)
@Suite struct CrashSafetyTests {
    static let elements = 1 << 16

    @Test func killedSavesNeverLeaveAPartialStep() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-crash")
        var generator = SystemRandomNumberGenerator()
        var previousLatest = 0
        var trialsWithProgress = 0
        for trial in 0..<24 {
            let process = try ArborExecutable.start(
                ["save-loop", directory.url.path, "--elements", String(Self.elements)],
                stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice, executable: ArborExecutable.testHelper)
            let delay = UInt64.random(in: 40_000_000...400_000_000, using: &generator)
            try await Task.sleep(nanoseconds: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let run = CheckpointDirectory(url: directory.url)
            let entries = try run.entries()
            let partial = entries.filter { !$0.isComplete }.map(\.step)
            #expect(partial.isEmpty, "trial \(trial): partial step listed: \(partial)")
            guard let latest = try run.latestStep() else { continue }
            #expect(latest >= previousLatest, "trial \(trial): latest went back from \(previousLatest) to \(latest)")
            if latest > previousLatest { trialsWithProgress += 1 }
            previousLatest = latest
            let checkpoint = try Checkpointer().open(directory.url.appendingPathComponent(StepDirectoryName.name(for: latest)))
            #expect(checkpoint.verify().isEmpty, "trial \(trial): step \(latest) fails verification")
            let restored = try checkpoint.state("state", copy: true)
            let expected = try SaveLoopState.make(step: latest, elements: Self.elements)
            #expect(restored == expected,
                    "trial \(trial): step \(latest) does not restore bit-exact")
        }
        #expect(trialsWithProgress >= 5, "the child saved too rarely to test anything")
    }
}
