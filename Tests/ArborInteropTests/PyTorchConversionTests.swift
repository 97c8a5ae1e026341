import ArborInterop
import ArborTestSupport
import Foundation
import Testing

/// `ModelConverter` from `.bin` sources: the output is byte-identical to
/// `safetensors.torch.save_file(torch.load(...))` (after `.contiguous().clone()`).
@Suite struct PyTorchConversionTests {
    @Test(arguments: PyTorchFileTests.validCases)
    func aFileConvertsByteIdentically(_ name: String) throws {
        let temp = try TemporaryDirectory()
        let source = try ModelConverter.Source(Fixtures.url("pytorch/valid/\(name).pt"))
        #expect(source.kind == .safetensorsFile)
        let out = temp.file("\(name).safetensors")
        try ModelConverter(source: source, destination: out).convert()
        #expect(try Data(contentsOf: out) == Data(contentsOf: Fixtures.url("pytorch/valid/\(name).safetensors")))
    }

    @Test(arguments: ["pytorch/sharded", "pytorch/sharded/pytorch_model.bin.index.json"])
    func aShardedDirectoryConvertsToADirectory(_ path: String) throws {
        let temp = try TemporaryDirectory()
        let source = try ModelConverter.Source(Fixtures.url(path))
        #expect(source.kind == .huggingFaceDirectory)
        let out = temp.file("out")
        let result = try ModelConverter(source: source, destination: out).convert()
        #expect(result.tensorCount == 6)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["config.json", "model.safetensors"])
        #expect(try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
            == Data(contentsOf: Fixtures.url("pytorch/sharded.safetensors")))
        #expect(try Data(contentsOf: out.appendingPathComponent("config.json"))
            == Data(contentsOf: Fixtures.url("pytorch/sharded/config.json")))
    }

    @Test func aMaliciousFileStopsTheConversionAndWritesNothing() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("out.safetensors")
        #expect(throws: PyTorchFileError.self) {
            try ModelConverter(source: try .init(Fixtures.url("pytorch/malicious/os_system.pt")), destination: out).convert()
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
