import ArborTensor
import ArborTestSupport
import Foundation
import Testing
@testable import SafeTensors

@Suite("Writing: byte-identical to the reference, refusing what it cannot write")
struct SafeTensorsWriterTests {
    /// Fixtures the reference wrote and that Arbor must reproduce: all but
    /// those with several metadata keys (hash order in the reference).
    static func reproducible() throws -> [Sidecar] {
        try Sidecar.all().filter { ($0.metadata?.count ?? 0) <= 1 }
    }

    @Test("rewriting every reference-written fixture gives the same bytes", arguments: try reproducible())
    func byteIdentical(_ sidecar: Sidecar) throws {
        let source = try SafeTensorsFile(contentsOf: sidecar.url)
        // Feed the tensors in reverse file order so the writer must sort them itself.
        let pairs = try StateDict(source.tensors.reversed().map { (name: $0.name, tensor: try source.tensor(for: $0)) })
        let directory = try TemporaryDirectory()
        let output = directory.file("out.safetensors")
        try SafeTensorsWriter.write(pairs, metadata: sidecar.metadata, to: output)
        let written = try [UInt8](Data(contentsOf: output))
        let expected = try [UInt8](Data(contentsOf: sidecar.url))
        #expect(written.count == expected.count)
        #expect(Array(written.prefix(8 + sidecar.header_len)) == Array(expected.prefix(8 + sidecar.header_len)))
        #expect(sha256Hex(written) == sidecar.file_sha256)
        // The in-memory serializer agrees with the file writer.
        let entries = pairs.map { SafeTensorsEntry(name: $0.name, tensor: $0.tensor) }
        #expect(try SafeTensorsWriter.serialize(entries: entries, metadata: sidecar.metadata) == expected)
    }

    @Test("raw-byte entries write dtypes Arbor does not interpret, byte-exact")
    func rawEntries() throws {
        let sidecar = try #require(try Sidecar.all().first { $0.file == "dtype_F4.safetensors" })
        let source = try SafeTensorsFile(contentsOf: sidecar.url)
        let entries = source.tensors.map {
            SafeTensorsEntry(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: Array(source.bytes(for: $0)))
        }
        #expect(try SafeTensorsWriter.serialize(entries: entries) == [UInt8](Data(contentsOf: sidecar.url)))
    }

    @Test("header JSON escapes like serde_json: quotes, backslash, control characters; not / or non-ASCII")
    func escaping() {
        var out: [UInt8] = []
        HeaderEncoder.appendString("a/\"\\\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é😀", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a/\"\\\b\f\n\r\t\u0001\u001f"# + "\u{7f}é😀\"")
    }

    @Test("order is dtype rank descending, then name bytes (not Swift's Unicode order)")
    func ordering() throws {
        let entries = [("b", DType.uint8), ("a", .float64), ("e\u{301}", .uint8), ("é", .uint8), ("Z", .uint8), ("x", .uint64)]
            .map { SafeTensorsEntry(name: $0.0, tensor: Tensor(zeros: [1], dtype: $0.1)) }
        let plan = try SafeTensorsWriter.makePlan(entries: entries, metadata: nil, file: "t")
        // Compared as bytes: Swift's String == treats "e\u{301}" and "é" as equal.
        #expect(plan.infos.map { Array($0.name.utf8) } == ["x", "a", "Z", "b", "e\u{301}", "é"].map { Array($0.utf8) })
        #expect(plan.header.count % 8 == 0)
        let text = String(decoding: plan.header, as: UTF8.self)
        #expect(text.hasPrefix(#"{"x":{"dtype":"U64","shape":[1],"data_offsets":[0,8]},"#))
        #expect(text.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
    }

    @Test("refuses __metadata__ as a name, duplicates, abstract tensors and wrong byte counts")
    func refusals() {
        let scalar = Tensor(scalar: Float(1))
        let cases: [(String, [SafeTensorsEntry])] = [
            ("reservedName", [SafeTensorsEntry(name: "__metadata__", tensor: scalar)]),
            ("duplicateName", [SafeTensorsEntry(name: "a", tensor: scalar), SafeTensorsEntry(name: "a", tensor: scalar)]),
            ("abstractTensor", [SafeTensorsEntry(name: "a", tensor: .abstract(shape: [2]))]),
            ("entryByteCount", [SafeTensorsEntry(name: "a", dtype: .float32, shape: [2], bytes: [0, 0, 0])]),
            ("entryByteCount", [SafeTensorsEntry(name: "a", dtype: .float4E2M1, shape: [3], bytes: [0, 0])]),
        ]
        for (rule, entries) in cases {
            do {
                _ = try SafeTensorsWriter.serialize(entries: entries)
                Issue.record("\(rule) was written")
            } catch {
                #expect(caseName(error) == rule)
            }
        }
    }

    @Test("refuses a header over the 100,000,000-byte cap")
    func headerCap() {
        let value = String(decoding: [UInt8](repeating: UInt8(ascii: "n"), count: SafeTensorsHeader.maximumLength), as: UTF8.self)
        do {
            _ = try SafeTensorsWriter.makePlan(entries: [SafeTensorsEntry(name: "a", tensor: Tensor(zeros: [0]))],
                                               metadata: ["note": value], file: "big")
            Issue.record("oversized header accepted")
        } catch {
            #expect(caseName(error) == "headerOverCap")
        }
    }

    @Test("what the writer writes, the reader reads back bit for bit")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("rt.safetensors")
        let tensors: [String: Tensor] = [
            "w": Tensor([1, -2, 3.5, .nan] as [Float], shape: [2, 2]),
            "i": Tensor([Int64.min, 0, Int64.max]),
            "s": Tensor(scalar: UInt8(7)),
            "z": Tensor(zeros: [0, 5], dtype: .bfloat16),
        ]
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        for (name, tensor) in tensors { #expect(try file.tensor(named: name) == tensor) }
    }
}
