import ArborTensor
import ArborTestSupport
import Foundation
import Testing

/// One conversion case written by `Tests/Fixtures/dtypes/make_fixtures.py`.
struct ConversionCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let from: String
    let to: String
    let count: Int
    let input: String
    let output: String

    var testDescription: String { name }

    static let all: [ConversionCase] = {
        struct Manifest: Decodable { let cases: [ConversionCase] }
        guard let data = try? Data(contentsOf: Fixtures.url("dtypes/manifest.json")),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()
}

@Suite("Conversions against numpy + ml_dtypes fixtures")
struct ConversionFixtureTests {
    @Test("the manifest covers every ordered pair of numeric dtypes")
    func coversEveryPair() {
        let numeric = DType.allCases.filter(\.isNumeric)
        let pairs = Set(ConversionCase.all.map { "\($0.from)->\($0.to)" })
        for source in numeric {
            for target in numeric where source != target {
                #expect(pairs.contains("\(source.safetensorsName)->\(target.safetensorsName)"))
            }
        }
        #expect(numeric.count == 15)
    }

    @Test("bit-exact", arguments: ConversionCase.all)
    func bitExact(_ testCase: ConversionCase) throws {
        let source = try #require(DType(safetensorsName: testCase.from))
        let target = try #require(DType(safetensorsName: testCase.to))
        let input = try Data(contentsOf: Fixtures.url("dtypes/" + testCase.input))
        let expected = try Data(contentsOf: Fixtures.url("dtypes/" + testCase.output))
        let tensor = try input.withUnsafeBytes { try Tensor(shape: [testCase.count], dtype: source, copying: $0) }
        let converted = try tensor.converted(to: target)
        #expect(converted.dtype == target && converted.shape == [testCase.count])
        let width = try #require(target.byteSize), inWidth = try #require(source.byteSize)
        let actual = converted.withUnsafeBytes { Data($0) }
        try #require(actual.count == expected.count)
        var mismatches: [String] = []
        var total = 0
        for i in 0..<testCase.count where actual[i * width..<(i + 1) * width] != expected[i * width..<(i + 1) * width] {
            total += 1
            guard mismatches.count < 8 else { continue }
            func hex(_ d: Data, _ w: Int) -> String {
                d[i * w..<(i + 1) * w].reversed().map { String(format: "%02x", $0) }.joined()
            }
            mismatches.append("#\(i) in 0x\(hex(input, inWidth)) expected 0x\(hex(expected, width)) got 0x\(hex(actual, width))")
        }
        #expect(total == 0, "\(total) mismatches: \(mismatches.joined(separator: "; "))")
    }
}
