import ArborTestSupport
import Foundation
import Testing
@testable import ArborCLI

/// `arbor inspect`, `diff` and `convert` on PyTorch `.bin`/`.pt` files.
@Suite struct PyTorchFilesCLITests {
    @Test func inspectListsTensorsInStateDictOrderWithConvertedChecksums() throws {
        let report = try Inspection.make(url: Fixtures.url("pytorch/valid/views.pt"), checksums: true)
        #expect(report.tensors.map(\.name) == ["transposed", "offset", "stepped", "column", "expanded", "tied", "tied_copy",
                                               "tied_tail"])
        #expect(report.files.first?.headerLen == 0)
        // A checksum is of the row-major bytes, so it equals the converted file's.
        let converted = try Inspection.make(url: Fixtures.url("pytorch/valid/views.safetensors"), checksums: true)
        let expected = Dictionary(uniqueKeysWithValues: converted.tensors.map { ($0.name, $0.sha256) })
        for tensor in report.tensors { #expect(tensor.sha256 == expected[tensor.name], "\(tensor.name)") }
        let sharded = try Inspection.make(url: Fixtures.url("pytorch/sharded"), checksums: false)
        #expect(sharded.files.count == 2)
        #expect(sharded.index?.hasSuffix("pytorch_model.bin.index.json") == true)
    }

    @Test func diffComparesABinWithItsConversion() throws {
        let same = try ArborExecutable.run(["diff", Fixtures.url("pytorch/sharded").path,
                                            Fixtures.url("pytorch/sharded.safetensors").path])
        #expect(same.status == 0)
        #expect(same.stdout == "identical: 6 tensors\n")
        let different = try ArborExecutable.run(["diff", Fixtures.url("pytorch/valid/views.pt").path,
                                                 Fixtures.url("pytorch/valid/module.pt").path])
        #expect(different.status == 1)
    }

    @Test func convertWritesThePythonPathsBytesAndRefusesMaliciousFiles() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("module.safetensors")
        let run = try ArborExecutable.run(["convert", Fixtures.url("pytorch/valid/module.pt").path, out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Data(contentsOf: out) == Data(contentsOf: Fixtures.url("pytorch/valid/module.safetensors")))
        let evil = try ArborExecutable.run(["convert", Fixtures.url("pytorch/malicious/os_system.pt").path, temp.file("x").path])
        #expect(evil.status != 0)
        #expect(evil.stderr.contains("refused pickle opcode GLOBAL at byte 13 (global posix.system)"))
        let inspectEvil = try ArborExecutable.run(["inspect", Fixtures.url("pytorch/malicious/inst.pt").path])
        #expect(inspectEvil.status != 0)
        #expect(inspectEvil.stderr.contains("INST"))
    }
}
