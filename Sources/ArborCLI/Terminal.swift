import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the CLI writes besides standard output: errors and progress on
/// standard error, so `--json` output stays clean for pipes.
enum Terminal {
    /// Writes one line to standard error.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Whether standard error is an interactive terminal (progress is shown only then).
    static var stderrIsInteractive: Bool { isatty(2) != 0 }

    /// Runs `body`, turning any error into `arbor: …` on standard error and exit
    /// status 1 — the contract every subcommand keeps for bad input.
    static func failing<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.error("arbor: \(String(describing: error))")
            throw ExitCode.failure
        }
    }
}
