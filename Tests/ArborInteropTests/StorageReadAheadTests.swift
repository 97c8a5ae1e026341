import ArborTestSupport
import Foundation
import Testing

@testable import ArborInterop

/// `StorageReadAhead` hands over every byte of every storage in order with
/// its CRC-32, and stops cleanly however early the writer gives up.
@Suite struct StorageReadAheadTests {
    /// Each distinct storage of a fixture, as jobs.
    static func jobs(_ file: PyTorchFile) -> [(job: StorageReadAhead.Job, entry: PyTorchFile.Entry)] {
        var seen = Set<String>()
        return file.entries.filter { seen.insert($0.record.storage.key).inserted && !$0.storageRange.isEmpty }
            .map { (StorageReadAhead.Job(file: file, range: $0.storageRange), $0) }
    }

    @Test(arguments: [1, 5, 64, 1 << 20])
    func everyChunkArrivesInOrderWithItsChecksum(chunkSize: Int) throws {
        let file = try PyTorchFile(contentsOf: Fixtures.url("pytorch/valid/dtypes.pt"))
        let jobs = Self.jobs(file)
        #expect(jobs.count > 5)
        let reader = StorageReadAhead(jobs: jobs.map(\.job), chunkSize: chunkSize, depth: 2)
        defer { reader.finish() }
        for (number, (job, entry)) in jobs.enumerated() {
            var bytes: [UInt8] = []
            while bytes.count < job.range.count {
                let chunk = try reader.next()
                #expect(chunk.count <= chunkSize)
                bytes.append(contentsOf: chunk)
                reader.release()
            }
            #expect(bytes == Array(file.mapping.bytes[job.range]))
            try file.checkStorage(of: entry, crc: reader.checksum(of: number))
        }
    }

    /// Stopping with chunks read ahead, held, or none taken neither hangs nor traps.
    @Test(arguments: [0, 1, 2])
    func finishingEarlyStopsTheThread(taken: Int) throws {
        let file = try PyTorchFile(contentsOf: Fixtures.url("pytorch/valid/dtypes.pt"))
        let reader = StorageReadAhead(jobs: Self.jobs(file).map(\.job), chunkSize: 1, depth: 3)
        for _ in 0..<taken { _ = try reader.next() }   // held, never released
        reader.finish()
        reader.finish()
    }

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
