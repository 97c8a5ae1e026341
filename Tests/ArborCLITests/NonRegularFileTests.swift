import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A FIFO where a file is expected made `inspect`, `generate`, `diff`,
/// `verify` and `convert` wait forever for a writer; every reader now refuses
/// a non-regular file at once, naming it (exit 1; `diff`'s error code is 2).
@Suite struct NonRegularFileTests {
    static func fifo(_ url: URL) throws -> URL {
        #expect(mkfifo(url.path, 0o600) == 0)
        return url
    }

    /// Runs `arguments` with a deadline: a hang is killed and fails the test.
    static func expectRefused(_ arguments: [String], naming path: String, status: Int32 = 1) throws {
        let run = try ArborExecutable.run(arguments, timeout: 60)
        #expect(!run.signaled, "\(arguments.first ?? "") hung or crashed")
        #expect(run.status == status, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains(path) && run.stderr.contains("not a regular file"), "\(arguments): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func safetensorsCommandsRefuseAFIFO() throws {
        let temp = try TemporaryDirectory()
        let pipe = try Self.fifo(temp.file("weights.safetensors"))
        try Self.expectRefused(["inspect", pipe.path], naming: pipe.path)
        try Self.expectRefused(["inspect", temp.url.path], naming: pipe.path)
        try Self.expectRefused(["diff", pipe.path, Fixtures.url("gpt2/single").path], naming: pipe.path, status: 2)
        try Self.expectRefused(["convert", pipe.path, temp.file("out.safetensors").path], naming: pipe.path)
    }

    @Test func modelDirectoryFilesRefuseAFIFO() throws {
        let temp = try TemporaryDirectory()
        let model = temp.file("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("gpt2/single/config.json"), to: model.appendingPathComponent("config.json"))
        let weights = try Self.fifo(model.appendingPathComponent("model.safetensors"))
        try Self.expectRefused(["generate", model.path, "--tokens", "5"], naming: weights.path)
        try Self.expectRefused(["convert", model.path, temp.file("out").path], naming: weights.path)
        try Self.expectRefused(["convert", model.path, temp.file("out2").path, "--model", "gpt2"], naming: weights.path)

        // config.json itself a FIFO, beside real weights.
        let other = temp.file("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("gpt2/single/model.safetensors"),
                                         to: other.appendingPathComponent("model.safetensors"))
        let config = try Self.fifo(other.appendingPathComponent("config.json"))
        try Self.expectRefused(["generate", other.path, "--tokens", "5"], naming: config.path)
    }

    @Test func checkpointFilesRefuseAFIFO() async throws {
        let run = try TemporaryDirectory(prefix: "arbor-cli-fifo")
        let manager = try CheckpointManager(directory: run.url)
        let state = try State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor([Float(1), 2])))])
        try await manager.save(step: 1, items: ["params": .state(state)], metrics: [:])
        try await manager.close()
        let step = run.url.appendingPathComponent("step_00000001")
        let data = try #require(FileManager.default.subpathsOfDirectory(atPath: step.path)
            .first { $0.hasSuffix(".safetensors") })
        let file = step.appendingPathComponent(data)
        try FileManager.default.removeItem(at: file)
        _ = try Self.fifo(file)
        let verify = try ArborExecutable.run(["verify", run.url.path], timeout: 60)
        #expect(!verify.signaled, "verify hung or crashed")
        #expect(verify.status == 1)
        #expect(verify.stderr.contains(data), "\(verify.stderr)")
    }
}
