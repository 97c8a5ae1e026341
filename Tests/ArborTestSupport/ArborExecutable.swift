import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the built `arbor` command-line tool the way a user does, for tests of
/// exit statuses, output and crash safety (a child process can be killed).
public enum ArborExecutable {
    /// What a finished run printed and how it ended.
    public struct Outcome: Sendable {
        /// Exit status, or the signal number when `signaled`.
        public var status: Int32
        /// Whether the process was ended by a signal (a crash or a kill).
        public var signaled: Bool
        /// Standard output.
        public var stdout: String
        /// Standard error.
        public var stderr: String
    }

    /// Errors finding or starting the binary.
    public struct NotFound: Error, CustomStringConvertible {
        /// Where it was looked for.
        public var searched: [String]
        /// Names the places searched.
        public var description: String { "the executable was not found (searched \(searched.joined(separator: ", "))); run `swift build` first" }
    }

    /// The test-only executable (`save-loop`, `train-steps`), never shipped.
    public static let testHelper = "arbor-test-helper"

    /// The `arbor` binary (or `name`, e.g. `testHelper`) built next to the test bundle.
    public static func url(_ name: String = "arbor") throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: first).deletingLastPathComponent()
            // The test bundle may be a directory (…/X.xctest/Contents/MacOS/X) or a file.
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent(name))
                directory = directory.deletingLastPathComponent()
            }
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) && !isDirectory($0) }) {
            return found
        }
        throw NotFound(searched: candidates.map(\.path))
    }

    /// Starts `arbor` (or `executable`) with `arguments`; the caller waits or kills it.
    public static func start(_ arguments: [String], stdout: FileHandle? = nil, stderr: FileHandle? = nil,
                             executable: String = "arbor") throws -> Process {
        let process = Process()
        process.executableURL = try url(executable)
        process.arguments = arguments
        if let stdout { process.standardOutput = stdout }
        if let stderr { process.standardError = stderr }
        try process.run()
        return process
    }

    /// Runs `arbor` (or `executable`) with `arguments` to completion.
    public static func run(_ arguments: [String], executable: String = "arbor") throws -> Outcome {
        let process = Process()
        process.executableURL = try url(executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `arbor` with `arguments`, killing it after `timeout` seconds (a
    /// hang then shows as `signaled` with SIGKILL instead of a stuck test).
    /// When `truncating` is given, waits until the process has the file open
    /// (mapped, seen in `/proc/PID/maps`; Linux only), then truncates it to
    /// `keeping` bytes while the process reads it.
    public static func run(_ arguments: [String], timeout: Double, truncating file: URL? = nil,
                           keeping: Int = 0) throws -> Outcome {
        let scratch = try TemporaryDirectory(prefix: "arbor-run")
        let outURL = scratch.file("stdout"), errURL = scratch.file("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let process = try start(arguments, stdout: out, stderr: err)
        let deadline = Date().addingTimeInterval(timeout)
        if let file {
            let maps = "/proc/\(process.processIdentifier)/maps"
            let target = file.resolvingSymlinksInPath().path
            while process.isRunning, Date() < deadline {
                if let text = try? String(contentsOfFile: maps, encoding: .utf8), text.contains(target) {
                    _ = truncate(file.path, off_t(keeping))
                    break
                }
                usleep(200)
            }
        }
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}
