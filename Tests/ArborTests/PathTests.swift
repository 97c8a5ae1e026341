import Foundation
import Testing
@testable import Arbor

@Suite struct PathTests {
    @Test func printsSlashedAndDotted() {
        let path: Path = ["layers", 0, "bias"]
        #expect(path.description == "layers/0/bias")
        #expect(path.dotted == "layers.0.bias")
        #expect(Path.root.description == "<root>")
        #expect(path.count == 3 && path[1] == .index(0))
    }

    @Test func sortsIntegersNumericallyBeforeNames() {
        let keys: [PathKey] = ["b", 10, "a", 2, "10"]
        #expect(keys.sorted() == [2, 10, "10", "a", "b"])
        let paths: [Path] = [["layers", 10], ["layers", 2, "w"], ["layers"], ["layers", 2]]
        #expect(paths.sorted().map(\.description) == ["layers", "layers/2", "layers/2/w", "layers/10"])
    }

    @Test func keyHelpers() {
        #expect(PathKey.name("7").numericIndex == .index(7))
        #expect(PathKey.name("07").numericIndex == nil)
        #expect(PathKey.name("-1").numericIndex == nil)
        #expect(PathKey.name("x").numericIndex == nil)
        #expect(PathKey.index(3).stringified == .name("3"))
        #expect(PathKey.index(3).name == nil && PathKey.index(3).index == 3)
        let path: Path = ["a", 1]
        #expect(path.stringified == ["a", "1"])
        #expect(path.appending("b") == ["a", 1, "b"])
        #expect(path.appending(["c", 2]) == ["a", 1, "c", 2])
        #expect(path.appending("b").hasPrefix(path))
        #expect(!path.hasPrefix(["a", "1"]))
        #expect(Path(["a", 1, "b"]).dropping(prefix: ["a"]) == [1, "b"])
    }

    @Test func codableRoundTripPreservesKeyTypes() throws {
        let path: Path = ["layers", 0, "0", "bias"]
        let data = try JSONEncoder().encode(path)
        #expect(String(decoding: data, as: UTF8.self) == #"["layers",0,"0","bias"]"#)
        #expect(try JSONDecoder().decode(Path.self, from: data) == path)
        let key = try JSONDecoder().decode(PathKey.self, from: Data("12".utf8))
        #expect(key == .index(12))
    }

    @Test func parsesDottedAndSlashedStrings() throws {
        #expect(try Path(parsing: "layers/0/bias") == ["layers", 0, "bias"])
        #expect(try Path(parsing: "layers.0.bias") == ["layers", 0, "bias"])
        #expect(try Path(parsing: "a.b/c", separator: "/") == ["a.b", "c"])
        #expect(try Path(parsing: "") == .root)
        #expect(throws: PathParseError.emptyKey(in: "a..b")) { try Path(parsing: "a..b") }
        #expect(throws: PathParseError.emptyKey(in: "a/")) { try Path(parsing: "a/") }
    }

    @Test func resolvesAmbiguousDigitsAgainstATarget() {
        let targets: [Path] = [["experts", "0", "w"], ["layers", 0, "w"]]
        #expect(Path.resolve("experts.0.w", in: targets) == ["experts", "0", "w"])
        #expect(Path.resolve("layers/0/w", in: targets) == ["layers", 0, "w"])
        #expect(Path.resolve("layers.1.w", in: targets) == nil)
        // When both forms exist, the exact string match wins.
        let both: [Path] = [["m", 0], ["m", "0"]]
        #expect(Path.resolve("m.0", in: both) == ["m", "0"])
    }

    @Test func namesSortByUnicodeScalarsIncludingMultiByteAndPrefixes() {
        let names = ["", "a", "ab", "b", "B", "\u{E9}", "e\u{301}", "\u{FF}", "\u{100}", "\u{1F600}", "\u{FFFD}",
                     "layer", "layer_1", "layers", "z\u{0}", "z"]
        for a in names {
            for b in names {
                let expected = a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
                #expect((PathKey.name(a) < PathKey.name(b)) == expected, "\(a.debugDescription) < \(b.debugDescription)")
            }
        }
    }
}
