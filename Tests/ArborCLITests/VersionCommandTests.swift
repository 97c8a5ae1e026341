import Arbor
import ArborTestSupport
import Foundation
import Testing

/// `arbor --version` as a user runs it: one line, the library's version.
@Suite struct VersionCommandTests {
    @Test func versionPrintsTheLibraryVersion() throws {
        let outcome = try ArborExecutable.run(["--version"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == arborVersion)
    }

    @Test func theVersionIsSemantic() {
        let parts = arborVersion.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil }, "\(arborVersion) is not MAJOR.MINOR.PATCH")
    }
}
