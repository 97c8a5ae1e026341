import ArborTestSupport
import Foundation
import Testing
@testable import ArborCheckpoint

/// `FileDigest` reads through a descriptor in chunks, so its result must equal
/// the digest of the whole file across chunk boundaries.
@Suite struct FileDigestTests {
    @Test func digestOfAFileSpanningSeveralChunksMatches() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("data.bin")
        let bytes = (0..<(FileDigest.chunkBytes * 2 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: file)
        let digest = try FileDigest.sha256(of: file)
        #expect(digest.bytes == bytes.count)
        #expect(digest.sha256 == bytes.withUnsafeBytes { FileDigest.sha256($0) })
    }

    @Test func aMissingFileIsAnErrorNamingIt() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("gone.bin")
        do {
            _ = try FileDigest.sha256(of: file)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains(file.path), "\(error)")
        }
    }
}

/// `CheckpointMetadata.totalBytes` on sizes a hostile `checkpoint.json` holds.
@Suite struct TotalBytesTests {
    @Test func overflowingOrNegativeSizesGiveNil() {
        var metadata = CheckpointMetadata(step: 1, time: Date(), metrics: [:], items: [:], metadata: [:],
                                          files: ["a": .init(bytes: 3, sha256: ""), "b": .init(bytes: 4, sha256: "")])
        #expect(metadata.totalBytes == 7)
        metadata.files["c"] = .init(bytes: Int.max, sha256: "")
        #expect(metadata.totalBytes == nil)
        metadata.files["c"] = .init(bytes: -1, sha256: "")
        #expect(metadata.totalBytes == nil)
    }
}
