import Foundation
import Testing

/// The package must check out on a case-insensitive disk (macOS's default), so no
/// two paths in it may be equal ignoring case (`Sources/Arbor` vs `Sources/arbor`).
@Suite struct PathCaseTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Tracked paths from git when this is a checkout, otherwise every file under the root.
    static func paths() throws -> [String] {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", packageRoot.path, "ls-files", "-z"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        if (try? git.run()) != nil {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            git.waitUntilExit()
            if git.terminationStatus == 0, !data.isEmpty {
                return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
            }
        }
        var result: [String] = []
        let enumerator = FileManager.default.enumerator(at: packageRoot, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            let relative = String(url.path.dropFirst(packageRoot.path.count + 1))
            if relative.hasPrefix(".build") || relative.hasPrefix(".git") { enumerator?.skipDescendants(); continue }
            result.append(relative)
        }
        return result
    }

    /// Every path and each of its parent folders, folded to lower case, is unique.
    static func caseCollisions(in paths: [String]) -> [[String]] {
        var all = Set<String>()
        for path in paths {
            let parts = path.split(separator: "/")
            for end in 1...max(parts.count, 1) where !parts.isEmpty {
                all.insert(parts[..<end].joined(separator: "/"))
            }
        }
        let groups = Dictionary(grouping: all, by: { $0.lowercased() })
        return groups.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }

    @Test func noTwoPathsDifferOnlyInCase() throws {
        let paths = try Self.paths()
        #expect(paths.count > 50, "expected the package's files, found \(paths.count)")
        #expect(Self.caseCollisions(in: paths) == [], "paths equal ignoring case cannot both exist on macOS")
    }

    @Test func theCheckCatchesAFolderCollision() {
        #expect(Self.caseCollisions(in: ["Sources/Arbor/A.swift", "Sources/arbor/B.swift"]) == [["Sources/Arbor", "Sources/arbor"]])
    }
}
