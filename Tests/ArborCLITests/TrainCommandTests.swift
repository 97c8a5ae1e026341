import ArborTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `arbor train` as a user runs it: FSDP on processes it launches itself,
/// checked against one process; failures of a rank end the run cleanly.
@Suite struct TrainCommandTests {
    @Test(arguments: [["--model", "spirals", "--steps", "5"], ["--model", "gpt2", "--steps", "2", "--global-batch", "4"]])
    func twoProcessesAgreeWithOneProcess(model: [String]) throws {
        for optimizer in ["sgd", "adam"] {
            let outcome = try ArborExecutable.run(["train", "--processes", "2", "--optimizer", optimizer, "--check"] + model,
                                                  timeout: 300)
            #expect(outcome.status == 0 && !outcome.signaled, "\(outcome.stdout)\n\(outcome.stderr)")
            #expect(outcome.stdout.contains("bitwise equal: yes; limit 1e-6: ok"), "\(outcome.stdout)")
            #expect(outcome.stdout.contains("resident per rank:"), "\(outcome.stdout)")
            #expect(outcome.stdout.contains("step 1  loss "), "\(outcome.stdout)")
        }
    }

    @Test func oneProcessTrainsWithoutLaunching() throws {
        let outcome = try ArborExecutable.run(["train", "--steps", "3", "--optimizer", "adam", "--check"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("1 process (FSDP)"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("bitwise equal: yes"), "\(outcome.stdout)")
    }

    @Test(arguments: [
        (["--processes", "0"], "--processes 0"),
        (["--processes", "65"], "--processes 65"),
        (["--steps", "0"], "--steps 0"),
        (["--global-batch", "0"], "--global-batch 0"),
        (["--global-batch", "6", "--processes", "4"], "not divisible"),
        (["--learning-rate", "0"], "--learning-rate 0.0"),
        (["--model", "bert"], "bert"),
        (["--optimizer", "lbfgs"], "lbfgs"),
        (["--rank", "0", "--processes", "2"], "--rendezvous"),
    ])
    func invalidOptionsAreRefused(arguments: [String], message: String) throws {
        let outcome = try ArborExecutable.run(["train"] + arguments)
        #expect(outcome.status == 64, "\(arguments): status \(outcome.status)")   // ArgumentParser's validation exit code
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }

    @Test func aRankWhosePeerNeverArrivesFailsInsteadOfHanging() throws {
        let rendezvous = try TemporaryDirectory(prefix: "arbor-train-alone")
        let outcome = try ArborExecutable.run(
            ["train", "--processes", "2", "--rank", "0", "--rendezvous", rendezvous.url.path, "--collective-timeout", "1"],
            timeout: 120)
        #expect(outcome.status == 1 && !outcome.signaled, "status \(outcome.status)")
        #expect(outcome.stderr.contains("rank 0: rank 1 failed"), "\(outcome.stderr)")
    }

    #if !MPI
    /// What `mpirun -n 2 arbor train` sets, without mpirun: a build without the
    /// trait must refuse, telling how to build with it.
    @Test func underMPIWithoutTheTraitTheErrorSaysHowToBuild() throws {
        let process = Process()
        process.executableURL = try ArborExecutable.url()
        process.arguments = ["train", "--steps", "1"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"]) { _, new in new }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(message.contains("built without MPI") && message.contains("--traits MPI"), "\(message)")
    }
    #endif

    #if os(Linux)
    @Test func killingOneChildMakesTheLaunchFailNamingIt() async throws {
        let scratch = try TemporaryDirectory(prefix: "arbor-train-kill")
        let out = scratch.file("stdout"), err = scratch.file("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let parent = try ArborExecutable.start(["train", "--processes", "3", "--global-batch", "24", "--steps", "100000"],
                                               stdout: try FileHandle(forWritingTo: out), stderr: try FileHandle(forWritingTo: err))
        defer { if parent.isRunning { kill(parent.processIdentifier, SIGKILL) } }
        // Wait until the three children train (rank 0 has printed a step), then kill rank 1.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        var children: [Int32: [String]] = [:]
        while clock.now < deadline {
            children = Self.children(of: parent.processIdentifier)
            if children.count == 3, (try? String(contentsOf: out, encoding: .utf8))?.contains("step 1  loss") == true { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let victim = try #require(children.first { Self.option("--rank", in: $0.value) == "1" }?.key, "children: \(children)")
        let rendezvous = try #require(Self.option("--rendezvous", in: children[victim] ?? []))
        kill(victim, SIGKILL)
        let stopDeadline = clock.now.advanced(by: .seconds(60))
        while parent.isRunning, clock.now < stopDeadline { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(!parent.isRunning, "the launch hung after a child was killed")
        parent.waitUntilExit()
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        #expect(parent.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("rank 1 was killed by signal 9"), "\(stderr)")
        #expect(Self.children(of: parent.processIdentifier).isEmpty, "children left running")
        #expect(!FileManager.default.fileExists(atPath: rendezvous), "the rendezvous directory was left behind")
    }

    /// Child processes of `pid` with their command lines (from `/proc`).
    static func children(of pid: Int32) -> [Int32: [String]] {
        var found: [Int32: [String]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == pid, fields[0] != "Z" else { continue }
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))) ?? Data()
            found[child] = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        return found
    }

    /// The value after `name` in `arguments`.
    static func option(_ name: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }
    #endif
}
