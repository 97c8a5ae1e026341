import Foundation

/// Locations of the committed fixture files, found from this source file so tests
/// run from a plain clone without bundling resources.
public enum Fixtures {
    /// `Tests/Fixtures` in the package checkout.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // ArborTestSupport
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// A file or folder below `Tests/Fixtures`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }
}
