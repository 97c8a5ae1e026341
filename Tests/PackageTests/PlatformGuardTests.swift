import Foundation
import Testing

/// The package must build on macOS as well as Linux, so every use of the Glibc
/// module (`import Glibc`, a `Glibc.`-qualified call) sits inside a platform guard
/// (`#if canImport(Glibc)` or `#if os(Linux)`) that gives Darwin its own branch.
@Suite struct PlatformGuardTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One use of Glibc outside a guard: the file (relative to the package) and the 1-based line.
    struct Violation: Equatable, CustomStringConvertible {
        var file: String
        var line: Int
        var text: String
        var description: String { "\(file):\(line): \(text)" }
    }

    /// Whether an `#if`/`#elseif` condition confines its branch to Glibc platforms.
    static func isGlibcGuard(_ condition: String) -> Bool {
        guard !condition.contains("||") else { return false }
        return ["canImport(Glibc)", "os(Linux)"].contains { token in
            condition.contains(token) && !condition.contains("!" + token)
        }
    }

    /// Lines of `source` that use Glibc outside a guard (comments are ignored).
    static func unguardedGlibcLines(in source: String) -> [(line: Int, text: String)] {
        var guards: [Bool] = []   // one entry per open #if: is the current branch a Glibc guard?
        var result: [(Int, String)] = []
        for (index, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#if ") {
                guards.append(isGlibcGuard(String(line.dropFirst(4))))
            } else if line.hasPrefix("#elseif "), !guards.isEmpty {
                guards[guards.count - 1] = isGlibcGuard(String(line.dropFirst(8)))
            } else if line.hasPrefix("#else"), !guards.isEmpty {
                guards[guards.count - 1] = false
            } else if line.hasPrefix("#endif"), !guards.isEmpty {
                guards.removeLast()
            } else if !guards.contains(true) {
                let code = line.components(separatedBy: "//")[0]
                if code.contains("import Glibc") || code.contains("Glibc.") { result.append((index + 1, line)) }
            }
        }
        return result
    }

    /// Every unguarded use of Glibc in the package's Swift sources.
    static func violations() throws -> [Violation] {
        var result: [Violation] = []
        for folder in ["Sources", "Benchmarks"] {
            let root = packageRoot.appendingPathComponent(folder)
            let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard url.pathExtension == "swift" else { continue }
                let relative = folder + String(url.path.dropFirst(root.path.count))
                for (line, text) in unguardedGlibcLines(in: try String(contentsOf: url, encoding: .utf8)) {
                    result.append(Violation(file: relative, line: line, text: text))
                }
            }
        }
        return result.sorted { ($0.file, $0.line) < ($1.file, $1.line) }
    }

    @Test func noGlibcOutsideAPlatformGuard() throws {
        let sources = Self.packageRoot.appendingPathComponent("Sources/ArborTensor/Tensor.swift")
        #expect(FileManager.default.fileExists(atPath: sources.path), "package sources not found at \(Self.packageRoot.path)")
        let found = try Self.violations()
        #expect(found == [], "Glibc used outside #if canImport(Glibc) / #if os(Linux):\n\(found.map(\.description).joined(separator: "\n"))")
    }

    @Test func theCheckCatchesUnguardedUses() {
        let source = """
            import Glibc
            #if canImport(Glibc)
            import Glibc
            let a = Glibc.write(1, nil, 0)
            #elseif canImport(Darwin)
            let b = Glibc.write(1, nil, 0)
            #else
            import Glibc
            #endif
            #if os(Linux)
            #if DEBUG
            let c = Glibc.rename("a", "b")
            #endif
            #endif
            #if !os(Linux)
            let d = Glibc.rename("a", "b")   // a comment naming Glibc.rename is fine
            #endif
            // Glibc.write in a comment is fine
            """
        #expect(Self.unguardedGlibcLines(in: source).map(\.line) == [1, 6, 8, 16])
    }
}
