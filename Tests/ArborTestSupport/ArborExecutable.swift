import Foundation

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
        public var description: String { "the arbor executable was not found (searched \(searched.joined(separator: ", "))); run `swift build` first" }
    }

    /// The `arbor` binary built next to the test bundle.
    public static func url() throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: first).deletingLastPathComponent()
            // The test bundle may be a directory (…/X.xctest/Contents/MacOS/X) or a file.
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("arbor"))
                directory = directory.deletingLastPathComponent()
            }
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/arbor"))
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) && !isDirectory($0) }) {
            return found
        }
        throw NotFound(searched: candidates.map(\.path))
    }

    /// Starts `arbor` with `arguments`; the caller waits or kills it.
    public static func start(_ arguments: [String], stdout: FileHandle? = nil, stderr: FileHandle? = nil) throws -> Process {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        if let stdout { process.standardOutput = stdout }
        if let stderr { process.standardError = stderr }
        try process.run()
        return process
    }

    /// Runs `arbor` with `arguments` to completion.
    public static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = try url()
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

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}
