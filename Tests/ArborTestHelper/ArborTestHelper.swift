import ArgumentParser
import Foundation

/// `arbor-test-helper`: commands the tests run in child processes they can
/// kill (crash safety, exact resume). Kept out of the shipped `arbor`: they
/// write checkpoints in loops and exist only to be interrupted.
@main
struct ArborTestHelper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbor-test-helper",
        abstract: "Test-only commands for Arbor's crash-safety and exact-resume tests.",
        subcommands: [SaveLoopCommand.self, ShardedSaveLoopCommand.self, TrainStepsCommand.self]
    )
}

/// The helper's error contract, as `arbor`'s: one line on standard error, exit 1.
enum HelperFailure {
    static func exitingOnError<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("arbor-test-helper: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
