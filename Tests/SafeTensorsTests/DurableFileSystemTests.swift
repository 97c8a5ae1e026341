import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// The package's one durability stack (`DurableFileSystem`, `AtomicFile`,
/// `AtomicDirectory`), used through its `package` API as the writers use it.
@Suite("Durable file system")
struct DurableFileSystemTests {
    private func names(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    @Test("a failed call names the path, the operation and the system's reason")
    func errorsReadAsErrno() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("missing")
        #expect(throws: FileIOError(path: missing.path, operation: "open for fsync", reason: "No such file or directory")) {
            try DurableFileSystem.syncFile(at: missing)
        }
        #expect(throws: FileIOError(path: directory.file("b").path, operation: "rename missing into place",
                                    reason: "No such file or directory")) {
            try DurableFileSystem.rename(missing, to: directory.file("b"))
        }
    }

    @Test("a directory that cannot be listed is an error, not an empty listing")
    func unreadableDirectory() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("plain")
        try AtomicFile.write([1], to: file)
        let error = #expect(throws: FileIOError.self) { try DurableFileSystem.contentsOfDirectory(file) }
        #expect(error?.operation == "list directory")
        #expect(try DurableFileSystem.contentsOfDirectory(directory.url) == ["plain"])
    }

    @Test("reading: a missing file is nil, an unreadable one an error, never taken as missing")
    func reading() throws {
        let directory = try TemporaryDirectory()
        #expect(try DurableFileSystem.contentsIfPresent(of: directory.file("absent")) == nil)
        let error = #expect(throws: FileIOError.self) { try DurableFileSystem.contentsIfPresent(of: directory.url) }
        #expect(error?.operation == "read" && error?.path == directory.url.path)
        let big = [UInt8]((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try AtomicFile.write(big, to: directory.file("big"))
        #expect(try DurableFileSystem.contentsIfPresent(of: directory.file("big")) == big)
        #expect(DurableFileSystem.size(of: directory.file("big")) == big.count)
        #expect(DurableFileSystem.size(of: directory.file("absent")) == nil)
        #expect(DurableFileSystem.isDirectory(directory.url) && !DurableFileSystem.isDirectory(directory.file("big")))
    }

    @Test("moving into place swaps out an existing directory and leaves nothing behind")
    func moveIntoPlaceReplaces() throws {
        let directory = try TemporaryDirectory()
        let target = directory.file("model"), staging = directory.file(".staging")
        try DurableFileSystem.makeDirectory(target)
        try AtomicFile.write([1], to: target.appendingPathComponent("old.bin"))
        try DurableFileSystem.makeDirectory(staging)
        try AtomicFile.write([2], to: staging.appendingPathComponent("new.bin"))
        try DurableFileSystem.moveIntoPlace(staging, at: target)
        #expect(try names(directory.url) == ["model"])
        #expect(try names(target) == ["new.bin"])
    }

    @Test("an atomic directory refuses to replace unless asked, and cleans its staging on failure")
    func atomicDirectory() throws {
        let directory = try TemporaryDirectory()
        let target = directory.file("out")
        try AtomicDirectory.write(to: target) { staging in try AtomicFile.write([1], to: staging.appendingPathComponent("a")) }
        #expect(throws: FileIOError(path: target.path, operation: "create", reason: "already exists")) {
            try AtomicDirectory.write(to: target) { _ in }
        }
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try AtomicDirectory.write(to: target, replacing: true) { _ in throw Interrupted() }
        }
        #expect(try names(directory.url) == ["out"])
        try AtomicDirectory.write(to: target, replacing: true) { staging in
            try AtomicFile.write([2], to: staging.appendingPathComponent("b"))
        }
        #expect(try names(target) == ["b"])
        #expect(try names(directory.url) == ["out"])
    }
}
