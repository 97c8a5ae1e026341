import Foundation
import Testing

/// Documentation code that cannot drift from compiled code.
///
/// Every ```swift block of a DocC article (`Sources/<Target>/<Target>.docc/<Name>.md`)
/// must stand, line by line and in order, in the test file
/// `Tests/<AnyTarget>Tests/<Name>ArticleTests.swift`, which compiles and runs
/// it; README.md's blocks likewise in `Tests/ArborCLITests/ReadmeExampleTests.swift`
/// (or, for an example the README shares with an article, that article's test).
/// Lines are compared with their surrounding white space trimmed; blank and
/// `import` lines are skipped (the test file imports what it needs at its top),
/// and the test file may have lines of its own in between (set-up, `#expect`s).
/// So an edit to an article that is not also made to its test — where the
/// compiler checks it — fails here.
@Suite struct DocumentationExampleTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The ```swift blocks of a Markdown text, each as its non-blank trimmed lines.
    static func swiftBlocks(in markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        var fence = ""
        for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if var block = current {
                if line == fence {
                    blocks.append(block)
                    current = nil
                } else if !line.isEmpty, !line.hasPrefix("import ") {
                    block.append(line)
                    current = block
                }
            } else if line.hasPrefix("```") || line.hasPrefix("~~~") {
                let marker = String(line.prefix(3))
                let info = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                if info == "swift" {
                    current = []
                    fence = marker
                }
            }
        }
        return blocks
    }

    /// The lines of `block` that are not found, in order, in `source`; empty when it is all there.
    static func missingLines(of block: [String], in source: [String]) -> [String] {
        var position = 0
        var missing: [String] = []
        for line in block {
            if let found = source[position...].firstIndex(of: line) {
                position = found + 1
            } else {
                missing.append(line)
            }
        }
        return missing
    }

    /// Every article in a `.docc` catalog under `Sources/`.
    static func articles() throws -> [URL] {
        let sources = packageRoot.appendingPathComponent("Sources")
        var result: [URL] = []
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "md", url.deletingLastPathComponent().pathExtension == "docc" {
                result.append(url)
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// `<Name>ArticleTests.swift` in any test target.
    static func testFile(for article: URL) throws -> URL? {
        let name = article.deletingPathExtension().lastPathComponent + "ArticleTests.swift"
        let tests = packageRoot.appendingPathComponent("Tests")
        for target in try FileManager.default.contentsOfDirectory(atPath: tests.path).sorted() {
            let candidate = tests.appendingPathComponent(target).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    @Test func everyCatalogHasArticles() throws {
        let articles = try Self.articles()
        let catalogs = Set(articles.map { $0.deletingLastPathComponent().lastPathComponent })
        #expect(catalogs.isSuperset(of: ["Arbor.docc", "ArborTensor.docc", "SafeTensors.docc",
                                        "ArborCheckpoint.docc", "ArborInterop.docc", "ArborDistributed.docc"]))
        let names = Set(articles.map { $0.deletingPathExtension().lastPathComponent })
        #expect(names.isSuperset(of: ["GettingStarted", "ModulesAndState", "Checkpoints", "Interop", "ShardingState"]))
    }

    @Test func everySwiftBlockOfAnArticleIsCompiledByItsTest() throws {
        var checked = 0
        for article in try Self.articles() {
            let relative = String(article.path.dropFirst(Self.packageRoot.path.count + 1))
            guard let testURL = try Self.testFile(for: article) else {
                #expect(Self.swiftBlocks(in: try String(contentsOf: article, encoding: .utf8)).isEmpty,
                        "\(relative) has Swift code but no \(article.deletingPathExtension().lastPathComponent)ArticleTests.swift under Tests/ to compile it")
                continue
            }
            checked += try Self.expectBlocks(of: article, named: relative, in: [testURL])
        }
        #expect(checked >= 10)
    }

    /// README blocks stand in `ReadmeExampleTests.swift` or, when the README
    /// repeats an article's example, in that article's test.
    @Test func everySwiftBlockOfTheReadmeIsCompiledByATest() throws {
        let tests = packageFile("Tests")
        var candidates = [packageFile("Tests/ArborCLITests/ReadmeExampleTests.swift")]
        for target in try FileManager.default.contentsOfDirectory(atPath: tests.path).sorted() {
            let folder = tests.appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            candidates += names.filter { $0.hasSuffix("ArticleTests.swift") }.sorted().map { folder.appendingPathComponent($0) }
        }
        let checked = try Self.expectBlocks(of: packageFile("README.md"), named: "README.md", in: candidates)
        #expect(checked >= 7)
    }

    private func packageFile(_ relativePath: String) -> URL { Self.packageRoot.appendingPathComponent(relativePath) }

    /// Expects every Swift block of the Markdown file `document` in one of the
    /// Swift files `testURLs` (the first is named when none has it); returns how
    /// many blocks there were.
    static func expectBlocks(of document: URL, named name: String, in testURLs: [URL]) throws -> Int {
        let blocks = swiftBlocks(in: try String(contentsOf: document, encoding: .utf8))
        let sources = try testURLs.map {
            try String(contentsOf: $0, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        for (number, block) in blocks.enumerated() {
            let missing = sources.map { missingLines(of: block, in: $0) }
            #expect(missing.contains { $0.isEmpty },
                    "\(name), Swift block \(number + 1): not in \(testURLs[0].lastPathComponent) (in order): \(missing.first ?? [])")
        }
        return blocks.count
    }

    /// The checker itself: blocks are found by their fence, and order matters.
    @Test func checkerFindsDriftedLines() {
        let markdown = "text\n```swift\nimport A\nlet a = 1\n\n  let b = 2\n```\n```sh\nls\n```\n"
        let blocks = Self.swiftBlocks(in: markdown)
        #expect(blocks == [["let a = 1", "let b = 2"]])
        #expect(Self.missingLines(of: blocks[0], in: ["let a = 1", "#expect(a == 1)", "let b = 2"]).isEmpty)
        #expect(Self.missingLines(of: blocks[0], in: ["let b = 2", "let a = 1"]) == ["let b = 2"])
    }
}
