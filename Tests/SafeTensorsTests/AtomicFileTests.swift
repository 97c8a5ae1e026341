import ArborTensor
import ArborTestSupport
import Foundation
import Testing
@testable import SafeTensors

@Suite("Atomic writes")
struct AtomicFileTests {
    private func listing(_ directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
    }

    @Test("a committed write leaves only the final file")
    func commitLeavesNoTemporary() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.bin")
        let file = try AtomicFile(destination: url)
        try file.write([1, 2, 3])
        #expect(try listing(directory).count == 1)
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try file.commit()
        #expect(try listing(directory) == ["a.bin"])
        #expect(try [UInt8](Data(contentsOf: url)) == [1, 2, 3])
    }

    @Test("an aborted or abandoned write leaves the good file untouched and no temporary")
    func abortKeepsOldFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.bin")
        try AtomicFile.write([9, 9], to: url)
        do {
            let file = try AtomicFile(destination: url)
            try file.write([UInt8](repeating: 1, count: 3 << 20))
            file.abort()
        }
        do {
            let file = try AtomicFile(destination: url)
            try file.write([5])
            // Dropped without commit.
        }
        #expect(try listing(directory) == ["a.bin"])
        #expect(try [UInt8](Data(contentsOf: url)) == [9, 9])
    }

    @Test("a writer error keeps the previous safetensors file and leaves no temporary")
    func failedWriteKeepsOldFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("model.safetensors")
        try SafeTensorsWriter.write(["a": Tensor([1, 2] as [Float])], to: url)
        let before = try Data(contentsOf: url)
        #expect(throws: SafeTensorsError.self) {
            try SafeTensorsWriter.write(["a": .abstract(shape: [2])], to: url)
        }
        #expect(try listing(directory) == ["model.safetensors"])
        #expect(try Data(contentsOf: url) == before)
    }

    @Test("a destination that cannot be created fails with an io error naming it")
    func unwritableDirectory() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("missing/sub/x.safetensors")
        do {
            try SafeTensorsWriter.write(["a": Tensor([1] as [Float])], to: url)
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(caseName(error) == "io")
            #expect(error.description.contains("missing/sub"))
        }
        #expect(throws: FileIOError.self) { try DurableFileSystem.syncDirectory(directory.file("nope")) }
        try DurableFileSystem.syncDirectory(directory.url)
    }
}
