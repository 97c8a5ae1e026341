import ArborTensor
import ArborTestSupport
import Foundation
import Testing
@testable import SafeTensors

/// Opening a file reads a small header with `pread` and a large one through the
/// mapping; both must apply exactly the rules the in-memory parser applies.
@Suite("Header reading: pread and mapped headers follow the same rules")
struct HeaderReadingTests {
    @Test("each minimal bad image fails with the same rule when opened from disk",
          arguments: SafeTensorsHeaderTests.minimal.indices)
    func sameRuleFromDisk(_ index: Int) throws {
        let (rule, image) = SafeTensorsHeaderTests.minimal[index]
        let directory = try TemporaryDirectory()
        let url = directory.file("case.safetensors")
        try Data(image).write(to: url)
        do {
            _ = try SafeTensorsFile(contentsOf: url)
            Issue.record("\(rule): the file opened")
        } catch {
            #expect(caseName(error) == rule, "\(error)")
        }
    }

    /// A header of `count` entries with long names, data in offset order.
    static func image(entries count: Int, nameLength: Int) -> [UInt8] {
        let pad = String(repeating: "x", count: nameLength)
        let members = (0..<count).map { #""\#(pad).\#($0)":{"dtype":"F32","shape":[1],"data_offsets":[\#($0 * 4),\#($0 * 4 + 4)]}"# }
        return fileImage("{" + members.joined(separator: ",") + "}", data: [UInt8](repeating: 7, count: count * 4))
    }

    @Test("headers on both sides of the pread limit open like the in-memory parse", arguments: [10, 3000])
    func bothPaths(_ count: Int) throws {
        let image = Self.image(entries: count, nameLength: 40)
        let headerLength = image.count - 8 - count * 4
        #expect((headerLength > SafeTensorsFile.preadHeaderLimit) == (count == 3000))
        let directory = try TemporaryDirectory()
        let url = directory.file("many.safetensors")
        try Data(image).write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        let parsed = try parseImage(image)
        #expect(file.tensors == parsed.tensors)
        #expect(file.headerLength == headerLength)
        for info in file.tensors {
            #expect(file.info(named: info.name) == info)
            #expect(Array(file.bytes(for: info)) == [7, 7, 7, 7])
        }
    }

    @Test("entries written out of offset order are sorted and still found by name")
    func outOfOrder() throws {
        let header = try parseImage(fileImage(
            #"{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            data: [UInt8](repeating: 0, count: 16)))
        #expect(header.names == ["a", "b"])
        #expect(header.info(named: "a")?.dataOffsets == 0..<8)
        #expect(header.info(named: "b")?.dataOffsets == 8..<16)
        #expect(header.info(named: "c") == nil)
    }

    @Test("names equal as Unicode but not as bytes stay two tensors")
    func exactNames() throws {
        let header = try parseImage(fileImage(
            "{\"\u{E9}\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"e\u{301}\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}",
            data: [1, 2, 3]))
        #expect(header.tensors.count == 2)
        #expect(header.info(named: "\u{E9}")?.shape == [1])
        #expect(header.info(named: "e\u{301}")?.shape == [2])
    }

    @Test("a header mostly metadata still finds its tensors by name")
    func largeMetadata() throws {
        let note = String(repeating: "n", count: 20_000)
        let header = try parseImage(fileImage(
            #"{"__metadata__":{"note":"\#(note)"},"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#,
            data: [1, 2]))
        #expect(header.metadata?["note"]?.count == 20_000)
        #expect(header.info(named: "w")?.shape == [2])
        #expect(header.info(named: "x") == nil)
    }
}
