import Arbor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing
@testable import ArborCheckpoint

/// The digest a save records is computed while writing, on a second thread
/// (`HashingFileWriter`, `PipelinedHasher`); it must equal the SHA-256 of the
/// file on disk for sizes around the direct-write limit, the gathering
/// buffers and the piece size, and for a memory-mapped source (read in
/// chunks through a reused buffer).
@Suite struct HashingSafeTensorsWriterTests {
    static func entries(_ sizes: [Int]) throws -> [SafeTensorsEntry] {
        try sizes.enumerated().map { index, count in
            SafeTensorsEntry(name: "t\(index)", tensor: try Tensor.randomBytes(shape: [count], dtype: .uint8,
                                                                              seed: UInt64(index + 1)))
        }
    }

    static func check(_ entries: [SafeTensorsEntry], in directory: TemporaryDirectory, name: String) throws {
        let url = directory.file(name)
        let record = try HashingSafeTensorsWriter.write(entries, to: url)
        let onDisk = try FileDigest.sha256(of: url)
        #expect(record.bytes == onDisk.bytes)
        #expect(record.sha256 == onDisk.sha256, "\(name)")
        let expected = try SafeTensorsWriter.serialize(entries: entries, metadata: ["format": "arbor"])
        #expect(try Data(contentsOf: url) == Data(expected), "\(name): not the reference layout")
    }

    @Test func digestWhileWritingEqualsTheFilesDigest() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-hash")
        let direct = 1 << 20, gather = HashingFileWriter.bufferBytes   // AtomicFile's own buffer; the ring's
        let piece = HashingFileWriter.bufferBytes
        let small = [Int](repeating: 100_003, count: 90)   // several gathering buffers' worth
        let cases: [[Int]] = [[], [0], [1], [direct - 1, 3], [direct, direct + 1], [gather - 20, 30, 5], [piece],
                              [piece * 2 + 5, 7, piece + 1], small + [direct] + small]
        for (index, sizes) in cases.enumerated() {
            try Self.check(try Self.entries(sizes), in: directory, name: "case-\(index).safetensors")
        }
    }

    @Test func aMappedSourceIsHashedThroughItsChunks() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-hash")
        let sizes = [HashingFileWriter.bufferBytes + 123, 10]
        let source = directory.file("source.safetensors")
        try SafeTensorsWriter.write(entries: try Self.entries(sizes), to: source)
        let mapped = try SafeTensorsFile(contentsOf: source)
        let tensors = try mapped.names.sorted().map { ($0, try mapped.tensor(named: $0)) }
        #expect(tensors.allSatisfy { $0.1.isMemoryMapped })
        let entries = tensors.map { SafeTensorsEntry(name: $0.0, tensor: $0.1) }
        #expect(entries.contains { $0.byteCount > HashingFileWriter.bufferBytes })
        try Self.check(entries, in: directory, name: "copy.safetensors")
    }
}
