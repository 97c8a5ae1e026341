import ArborTestSupport
import Foundation
import Testing
import ArborTensor
import SafeTensors
@testable import ArborCLI

/// `arbor inspect` against the sidecars written by the reference library.
@Suite struct InspectCommandTests {
    static let sidecars: [SafeTensorsSidecar] = (try? SafeTensorsSidecar.all()) ?? []

    @Test func fixturesArePresent() {
        #expect(Self.sidecars.count >= 20)
    }

    @Test(arguments: sidecars)
    func agreesWithReferenceSidecar(_ sidecar: SafeTensorsSidecar) throws {
        let report = try Inspection.make(url: sidecar.url, checksums: true)
        #expect(report.files.count == 1)
        #expect(report.files[0].headerLen == sidecar.header_len)
        #expect(report.files[0].fileSize == sidecar.file_size)
        #expect((report.files[0].metadata ?? [:]) == (sidecar.metadata ?? [:]))
        #expect(report.tensorCount == sidecar.tensor_count)
        // Keyed by UTF-8 bytes: Swift's String equality would merge names that are
        // canonically equivalent but distinct in the file ("é" vs "e\u{301}").
        let byName = Dictionary(report.tensors.map { (Array($0.name.utf8), $0) }, uniquingKeysWith: { a, _ in a })
        for expected in sidecar.tensors {
            let found = try #require(byName[Array(expected.name.utf8)], "\(expected.name) in \(sidecar.file)")
            #expect(found.dtype == expected.dtype)
            #expect(found.shape == expected.shape)
            #expect(found.dataOffsets == expected.data_offsets)
            #expect(found.nbytes == expected.nbytes)
            #expect(found.sha256 == expected.sha256, "\(expected.name) in \(sidecar.file)")
        }
    }

    @Test func jsonOutputFromTheBinary() throws {
        let file = Fixtures.url("safetensors/valid/dtype_F32.safetensors")
        let outcome = try ArborExecutable.run(["inspect", "--json", "--checksums", file.path])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        #expect(object?["tensor_count"] as? Int == 6)
        #expect((object?["tensors"] as? [[String: Any]])?.first?["sha256"] is String)
    }

    @Test func tableOutputListsEveryTensor() throws {
        let file = Fixtures.url("safetensors/valid/all_dtypes.safetensors")
        let outcome = try ArborExecutable.run(["inspect", file.path])
        #expect(outcome.status == 0)
        let report = try Inspection.make(url: file, checksums: false)
        for tensor in report.tensors { #expect(outcome.stdout.contains(tensor.name)) }
        #expect(outcome.stdout.contains("total: \(report.tensorCount) tensors"))
    }

    struct InvalidIndex: Decodable {
        struct Case: Decodable {
            struct Reference: Decodable { var outcome: String }
            var name: String
            var file: String
            var reference: Reference
        }
        var cases: [Case]
    }

    /// Every malformed file: the reference rejects it → exit 1 with one line naming
    /// the file; never a crash or signal, whatever the file holds.
    @Test func malformedFilesExitOneWithOneLine() throws {
        let directory = Fixtures.url("safetensors/invalid")
        let index = try JSONDecoder().decode(InvalidIndex.self, from: Data(contentsOf: directory.appendingPathComponent("index.json")))
        #expect(index.cases.count >= 25)
        for testCase in index.cases {
            let path = directory.appendingPathComponent(testCase.file).path
            let outcome = try ArborExecutable.run(["inspect", path])
            #expect(!outcome.signaled, "\(testCase.name) crashed")
            if testCase.reference.outcome == "error" {
                #expect(outcome.status == 1, "\(testCase.name): \(outcome.stdout)")
                let lines = outcome.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(testCase.name): \(outcome.stderr)")
                #expect(outcome.stderr.contains(path), "\(testCase.name): \(outcome.stderr)")
            } else {
                #expect(outcome.status == 0 || outcome.status == 1, "\(testCase.name)")
            }
        }
    }

    @Test func missingPathIsAnError() throws {
        let outcome = try ArborExecutable.run(["inspect", "/nonexistent/model.safetensors"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("/nonexistent/model.safetensors"))
    }

    /// A tensor name or metadata value holding terminal escapes is printed
    /// escaped in the table; `--json` keeps the exact name.
    @Test func controlCharactersAreEscapedInTheTable() throws {
        let temp = try TemporaryDirectory()
        let file = temp.file("hostile.safetensors")
        let hostile = "w\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}"
        try SafeTensorsWriter.write([hostile: Tensor([Float(1)], shape: [1])], metadata: ["note": "a\u{1B}[31mb"], to: file)
        let run = try ArborExecutable.run(["inspect", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B })
        #expect(run.stdout.contains(#"w\u{1B}]0;pwned\u{7}\u{1B}[2J\u{9B}"#), "\(run.stdout)")
        #expect(run.stdout.contains(#"note=a\u{1B}[31mb"#))
        let json = try ArborExecutable.run(["inspect", "--json", file.path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["tensors"] as? [[String: Any]])?.first?["name"] as? String == hostile)
    }
}

