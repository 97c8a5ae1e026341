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
        FileHandle.standardError.write(Data((printable(message) + "\n").utf8))
    }

    /// `text` with control characters (C0 including newlines, DEL and C1)
    /// written as `\u{1B}`: names and metadata come from files, and printed
    /// raw, `ESC ]0;…BEL` would retitle the user's terminal and `ESC[2J` clear
    /// it. Human output only; JSON output escapes them itself and stays exact.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
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
