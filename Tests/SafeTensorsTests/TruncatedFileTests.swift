import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads that stream a file with `pread` report a file truncated after it was
/// opened (`MappedFileError.changedWhileReading`, naming it) where reading the
/// mapping would raise SIGBUS. Deterministic: the file is cut between open and read.
@Suite struct TruncatedFileTests {
    static func truncatedAfterOpening() throws -> (TemporaryDirectory, SafeTensorsFile) {
        let temp = try TemporaryDirectory()
        let url = temp.file("t.safetensors")
        try SafeTensorsWriter.write(["a": Tensor([Float](repeating: 1, count: 4096), shape: [4096]),
                                     "b": Tensor([Float](repeating: 2, count: 4096), shape: [4096])], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(truncate(url.path, 200) == 0)
        return (temp, file)
    }

    @Test func chunkedReadsNameTheTruncatedFile() throws {
        let (temp, file) = try Self.truncatedAfterOpening()
        let info = try #require(file.info(named: "b"))
        let error = #expect(throws: MappedFileError.self) { try file.forEachChunk(of: info, maxBytes: 1000) { _ in } }
        #expect(error?.path == temp.file("t.safetensors").path)
        #expect(error?.description.contains("changed while being read") == true)
        let tensor = try file.tensor(named: "b")
        #expect(throws: MappedFileError.self) { try tensor.readIntoMemory() }
        #expect(throws: MappedFileError.self) { try tensor.forEachByteChunk(maxBytes: 100) { _ in } }
    }

    @Test func writingAMappedTensorOfATruncatedFileIsAnIOError() throws {
        let (temp, file) = try Self.truncatedAfterOpening()
        let error = #expect(throws: SafeTensorsError.self) {
            try SafeTensorsWriter.write(["b": try file.tensor(named: "b")], to: temp.file("out.safetensors"))
        }
        #expect(String(describing: error).contains(temp.file("t.safetensors").path))
        #expect(!FileManager.default.fileExists(atPath: temp.file("out.safetensors").path))
    }

    @Test func readsOfAnIntactFileMatchTheMapping() throws {
        let temp = try TemporaryDirectory()
        let url = temp.file("ok.safetensors")
        let values = (0..<10_000).map { Float($0) }
        try SafeTensorsWriter.write(["v": Tensor(values, shape: [values.count])], to: url)
        let tensor = try SafeTensorsFile(contentsOf: url).tensor(named: "v")
        #expect(try tensor.readIntoMemory().scalars(as: Float.self) == values)
        var bytes: [UInt8] = []
        try tensor.forEachByteChunk(maxBytes: 999) { bytes.append(contentsOf: $0) }
        #expect(bytes == tensor.withUnsafeBytes { Array($0) })
    }
}
