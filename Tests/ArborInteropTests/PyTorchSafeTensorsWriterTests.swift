import ArborTestSupport
import Foundation
import Testing

@testable import ArborInterop

/// `PyTorchSafeTensorsWriter` reads storages straight into the output's
/// buffers in reads of at most `chunkSize` bytes, checking each storage's CRC
/// on the way: any read size gives the same file.
@Suite struct PyTorchSafeTensorsWriterTests {
    /// Chunks smaller than a storage give the same file as one chunk per storage.
    @Test(arguments: PyTorchFileTests.validCases)
    func smallChunksWriteTheSameBytes(_ name: String) throws {
        let collection = try PyTorchCollection.open(Fixtures.url("pytorch/valid/\(name).pt"))
        let temp = try TemporaryDirectory()
        let out = temp.file("out.safetensors")
        try PyTorchSafeTensorsWriter(collection: collection, tensors: try collection.tensors(), chunkSize: 3)
            .write(to: out, metadata: ["format": "pt"])
        #expect(try Data(contentsOf: out) == Data(contentsOf: Fixtures.url("pytorch/valid/\(name).safetensors")))
    }
}
