import ArborTestSupport
import Foundation
import Testing

/// `save-loop` and `train-steps` trapped on negative or huge arguments and were
/// hidden commands of the shipped `arbor`. They now live in the test-only
/// `arbor-test-helper` and validate their arguments.
@Suite struct TestHelperCommandsTests {
    @Test func arborNoLongerHasTestCommands() throws {
        for command in ["save-loop", "train-steps"] {
            let run = try ArborExecutable.run([command, "/nonexistent"])
            #expect(!run.signaled)
            #expect(run.status != 0)
            #expect(run.stderr.lowercased().contains("unexpected argument"), "\(run.stderr)")
        }
    }

    @Test(arguments: [["save-loop", "--steps", "-1"], ["save-loop", "--elements", "-5"],
                      ["save-loop", "--elements", "9223372036854775807"], ["save-loop", "--steps", "9223372036854775807"],
                      ["train-steps", "--steps", "-3"], ["train-steps", "--steps", "9223372036854775807"]])
    func badArgumentsAreRefused(arguments: [String]) throws {
        let temp = try TemporaryDirectory()
        let run = try ArborExecutable.run([arguments[0], temp.url.path] + arguments.dropFirst(),
                                          executable: ArborExecutable.testHelper)
        #expect(!run.signaled, "\(arguments): \(run.stderr)")
        #expect(run.status != 0)
        #expect(run.stderr.contains(arguments[1]), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path).isEmpty)
    }
}
