import ArborTensor
import ArborTestSupport
import Foundation
import Testing
@testable import SafeTensors

@Suite("Reader rules: every malformed file is one specific error, never a crash")
struct SafeTensorsHeaderTests {
    static let f32x4 = #""dtype":"F32","shape":[4],"data_offsets":[0,16]"#
    static let d16 = [UInt8](repeating: 0, count: 16)

    @Test("each fixture the reference rejects fails with the recorded rule; each it accepts loads",
          arguments: try MalformedCase.all())
    func fixtureCase(_ fixture: MalformedCase) throws {
        do {
            let file = try SafeTensorsFile(contentsOf: fixture.url)
            #expect(fixture.rule == "accepted", "\(fixture.name) loaded but the reference says \(fixture.rule)")
            for info in file.tensors { _ = try file.tensor(for: info) }
        } catch {
            #expect(caseName(error) == fixture.rule, "\(fixture.name): \(error)")
            let message = error.description
            #expect(!message.contains("\n"))
            #expect(message.hasPrefix(fixture.url.path))
        }
    }

    /// Minimal inputs built here, one per rule, in the reader's order.
    static let minimal: [(rule: String, image: [UInt8])] = [
        ("headerTooSmall", [1, 0, 0]),
        ("headerTooLarge", fileImage("{}", length: 100_000_001)),
        ("headerPastEnd", fileImage("{}", length: 3)),
        ("headerNotUTF8", [2, 0, 0, 0, 0, 0, 0, 0, 0xC3, 0x28]),
        ("invalidJSON", fileImage("{")),
        ("headerNotObject", fileImage("[]")),
        ("invalidMetadata", fileImage(#"{"__metadata__":{"k":1}}"#)),
        ("malformedEntry", fileImage(#"{"a":{"dtype":"F32","data_offsets":[0,16]}}"#, data: d16)),
        ("unknownDType", fileImage(#"{"a":{"dtype":"F128","shape":[4],"data_offsets":[0,16]}}"#, data: d16)),
        ("invalidOffsets", fileImage(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#, data: d16)),
        ("sizeOverflow", fileImage(#"{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#)),
        ("subByteRemainder", fileImage(#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, data: [0, 0])),
        ("sizeMismatch", fileImage(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: d16)),
        ("trailingBytes", fileImage("{\(f32x4.wrappedAsEntry)}", data: d16 + [0])),
        ("dataPastEnd", fileImage("{\(f32x4.wrappedAsEntry)}", data: [0])),
    ]

    @Test("minimal input for each rule gives that rule's error", arguments: minimal.indices)
    func minimalInput(_ index: Int) {
        let (rule, image) = Self.minimal[index]
        let error = readerError(image)
        #expect(error.map(caseName) == rule, "\(String(describing: error))")
    }

    @Test("errors name the tensor and the rule on one line")
    func messages() throws {
        let error = try #require(readerError(fileImage(#"{"w\n1":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: Self.d16)))
        #expect(error == .sizeMismatch(file: "test.safetensors", tensor: "w\n1", expected: 8, actual: 16))
        #expect(error.description == #"test.safetensors: tensor "w\u{a}1": shape and dtype need 8 bytes but data_offsets span 16"#)
        let offsets = try #require(readerError(fileImage(
            #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}}"#,
            data: Self.d16)))
        #expect(offsets == .invalidOffsets(file: "test.safetensors", tensor: "b", begin: 16, end: 0, expectedBegin: 16))
    }

    @Test("duplicate names keep the last entry, as the reference's hash map does")
    func duplicateNames() throws {
        let header = try parseImage(fileImage(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"I32","shape":[4],"data_offsets":[0,16]}}"#,
            data: Self.d16))
        #expect(header.names == ["a"])
        #expect(header.info(named: "a")?.dtype == .int32)
    }

    @Test("metadata, escapes, list entries and map dtypes parse like serde")
    func serdeForms() throws {
        let header = try parseImage(fileImage(
            #"{"__metadata__":{"k":"a\/\u00e9\ud83d\ude00","k2":"x"},"n\"\\":["F32",[4],[0,16]],"m":{"dtype":{"U8":null},"shape":[],"data_offsets":[16,17]}}"#,
            data: Self.d16 + [7]))
        #expect(header.metadata == ["k": "a/é😀", "k2": "x"])
        #expect(header.names == ["n\"\\", "m"])
        #expect(header.info(named: "m")?.shape == [])
        #expect(header.dataStart == 8 + header.headerLength)
    }

    @Test("integers and floats are told apart; 2^64 and -0 are not sizes")
    func numbers() {
        for shape in ["[4.0]", "[4e0]", "[-0]", "[18446744073709551616]", "[1E400]"] {
            let image = fileImage(#"{"a":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,16]}}"#, data: Self.d16)
            #expect(readerError(image) != nil, "\(shape)")
        }
        let largest = fileImage(#"{"a":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}}"#)
        #expect(readerError(largest).map(caseName) == "shapeNotRepresentable")
    }

    @Test("random corruptions of a valid file never crash the reader")
    func corruptionNeverCrashes() throws {
        let original = try [UInt8](Data(contentsOf: Fixtures.url("safetensors/valid/all_dtypes.safetensors")))
        var generator = SplitMix64(seed: 42)
        var rejected = 0
        for round in 0..<3000 {
            var image = original
            let flips = 1 + Int(generator.next() % 4)
            for _ in 0..<flips {
                let limit = round % 3 == 0 ? image.count : min(image.count, 8 + 700)
                image[Int(generator.next() % UInt64(limit))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if round % 5 == 0 { image.removeLast(Int(generator.next() % UInt64(image.count))) }
            if readerError(image) != nil { rejected += 1 }
        }
        #expect(rejected > 1000)
    }
}

private extension String {
    var wrappedAsEntry: String { #""a":{"# + self + "}" }
}
