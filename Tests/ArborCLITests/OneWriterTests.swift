import ArborCheckpoint
import ArborTestSupport
import Foundation
import Testing

/// Two writers on one checkpoint directory, and a run whose latest step is
/// incomplete, as a CLI user meets them.
@Suite struct OneWriterTests {
    @Test func aSecondWriterProcessFailsNamingTheFirst() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-one-writer")
        let first = try ArborExecutable.start(
            ["save-loop", directory.url.path, "--elements", "16", "--steps", "1000000"],
            stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice, executable: ArborExecutable.testHelper)
        defer { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() }
        let lockFile = directory.url.appendingPathComponent(".arbor-lock")
        // Wait (bounded) until the first process holds the lock and wrote its pid.
        for _ in 0..<600 where (try? String(contentsOf: lockFile, encoding: .utf8))?.isEmpty ?? true {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let second = try ArborExecutable.run(["save-loop", directory.url.path, "--elements", "16", "--steps", "1"],
                                             executable: ArborExecutable.testHelper)
        #expect(second.status == 1)
        #expect(second.stderr.contains("pid \(first.processIdentifier)"), "\(second.stderr)")
        #expect(second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
        // Readers need no lock.
        #expect(try ArborExecutable.run(["checkpoints", directory.url.path]).status == 0)
    }

    /// Two `arbor demo --workdir SAME` still raced outside the checkpoint
    /// directory (its safetensors and interop files: "cannot rename … into
    /// place"); the demo now holds the work directory's lock, so a second one
    /// fails at once naming the holder and writes nothing. The test holds the
    /// lock itself, as a running demo would, so no timing is involved.
    @Test func aSecondDemoOnTheSameWorkdirFailsNamingTheFirst() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-two-demos")
        let lock = try DirectoryLock(directory: directory.url, wait: false)
        let second = try ArborExecutable.run(["demo", "--workdir", directory.url.path])
        withExtendedLifetime(lock) {}
        #expect(second.status == 1)
        let holder = ProcessInfo.processInfo.processIdentifier
        #expect(second.stderr.contains("another arbor demo (pid \(holder))"), "\(second.stderr)")
        #expect(second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == [DirectoryLock.fileName])
    }

    @Test func demoSkipsAnIncompleteLatestStep() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-demo-incomplete")
        let first = try ArborExecutable.run(["demo", "--workdir", directory.url.path])
        #expect(first.status == 0, "\(first.stderr)")
        let run = CheckpointDirectory(url: directory.url.appendingPathComponent("checkpoints"))
        let latest = try #require(try run.latestStep())
        try Data().write(to: run.url.appendingPathComponent(StepDirectoryName.name(for: latest))
            .appendingPathComponent(CheckpointMetadata.fileName))
        let second = try ArborExecutable.run(["demo", "--workdir", directory.url.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("warning: skipping incomplete step \(latest)"), "\(second.stderr)")
        #expect(try run.latestStep() == latest)
        #expect(try ArborExecutable.run(["verify", run.url.path]).status == 0)
    }
}
