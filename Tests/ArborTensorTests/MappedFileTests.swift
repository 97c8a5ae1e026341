import ArborTensor
import ArborTestSupport
import Foundation
import Testing

/// `MappedFile` opens through swift-system: errors carry the system's reason and
/// the path, on every platform.
@Suite struct MappedFileTests {
    @Test func aMissingFileNamesThePathAndTheReason() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("absent.bin")
        #expect(throws: MappedFileError.cannotOpen(path: missing.path, reason: "No such file or directory")) {
            try MappedFile(url: missing)
        }
    }

    @Test func aDirectoryIsNotARegularFile() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: MappedFileError.self) { try MappedFile(url: directory.url) }
        #expect(error == .notARegularFile(path: directory.url.path))
        #expect(error?.reason == "not a regular file")
    }

    @Test func filesOfAnySizeMap() throws {
        let directory = try TemporaryDirectory()
        let empty = directory.file("empty.bin"), full = directory.file("full.bin")
        try Data().write(to: empty)
        try Data([1, 2, 3]).write(to: full)
        let none = try MappedFile(url: empty)
        #expect(none.byteCount == 0 && none.bytes.isEmpty)
        let some = try MappedFile(url: full)
        some.adviseSequential()
        #expect(Array(some.bytes) == [1, 2, 3])
    }
}
