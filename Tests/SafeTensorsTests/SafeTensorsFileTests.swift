import ArborTensor
import ArborTestSupport
import Foundation
import Testing
@testable import SafeTensors

@Suite("Reading valid files written by the reference library")
struct SafeTensorsFileTests {
    @Test("every valid fixture reads with the sidecar's names, dtypes, shapes, offsets and bytes",
          arguments: try Sidecar.all())
    func readsFixture(_ sidecar: Sidecar) throws {
        let file = try SafeTensorsFile(contentsOf: sidecar.url)
        #expect(file.fileSize == sidecar.file_size)
        #expect(file.headerLength == sidecar.header_len)
        #expect(file.metadata == sidecar.metadata)
        #expect(file.names == sidecar.tensors.map(\.name))
        for expected in sidecar.tensors {
            let info = try #require(file.info(named: expected.name))
            #expect(info.dtype.safetensorsName == expected.dtype)
            #expect(info.shape == expected.shape)
            #expect([info.dataOffsets.lowerBound, info.dataOffsets.upperBound] == expected.data_offsets)
            let tensor = try file.tensor(named: expected.name)
            #expect(tensor.isMemoryMapped)
            #expect(tensor.shape == expected.shape)
            #expect(tensor.withUnsafeBytes { sha256Hex($0) } == expected.sha256, "\(expected.name)")
        }
        #expect(sha256Hex(file.mapping.bytes) == sidecar.file_sha256)
    }

    @Test("tensors are windows into the mapping, not copies, and outlive the file value")
    func zeroCopy() throws {
        let url = Fixtures.url("safetensors/valid/medium_f32.safetensors")
        var tensor: Tensor?
        do {
            let file = try SafeTensorsFile(contentsOf: url)
            let weight = try file.tensor(named: "weight")
            let start = try #require(file.mapping.baseAddress)
            let info = try #require(file.info(named: "weight"))
            weight.withUnsafeBytes { bytes in
                #expect(bytes.baseAddress == start + file.header.dataStart + info.dataOffsets.lowerBound)
            }
            tensor = weight
        }
        let kept = try #require(tensor)
        #expect(kept.shape == [256, 512])
        #expect(kept.withUnsafeBytes { $0.reduce(0) { $0 &+ Int($1) } } != 0)
    }

    @Test("asking for a missing tensor names the file and the tensor")
    func missingTensor() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("safetensors/valid/dtype_F32.safetensors"))
        #expect(throws: SafeTensorsError.tensorNotFound(file: file.url.path, tensor: "nope")) {
            try file.tensor(named: "nope")
        }
    }

    @Test("a path that is not a file fails to open with cannotOpen")
    func cannotOpen() throws {
        let directory = try TemporaryDirectory()
        for url in [directory.url, directory.file("absent.safetensors")] {
            do {
                _ = try SafeTensorsFile(contentsOf: url)
                Issue.record("opened \(url.path)")
            } catch {
                #expect(caseName(error) == "cannotOpen")
            }
        }
    }
}
