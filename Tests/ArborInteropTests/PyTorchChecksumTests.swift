import ArborInterop
import ArborTestSupport
import Foundation
import Testing

/// Every storage of a `.bin` is checked against its ZIP CRC-32: on the copy
/// pass when converting to safetensors, on a pass of its own otherwise.
@Suite struct PyTorchChecksumTests {
    static let corrupt = "pytorch/corrupt_crc.pt"

    @Test func validFilesPass() throws {
        for name in PyTorchFileTests.validCases {
            try PyTorchCollection.open(Fixtures.url("pytorch/valid/\(name).pt")).verifyChecksums()
        }
        try PyTorchCollection.open(Fixtures.url("pytorch/sharded")).verifyChecksums()
    }

    @Test func aDamagedStorageIsNamed() throws {
        let file = try PyTorchFile(contentsOf: Fixtures.url(Self.corrupt))
        let damaged = try #require(file.entry(named: "a"))
        #expect(file.storageEntryName(of: damaged) == "corrupt_crc/data/0")
        if let intact = file.entry(named: "b") { try file.verifyStorage(of: intact) }
        let error = #expect(throws: PyTorchFileError.self) { try file.verifyStorage(of: damaged) }
        guard case let .checksumMismatch(path, entry, expected, actual)? = error else {
            Issue.record("expected checksumMismatch, got \(String(describing: error))")
            return
        }
        #expect(path == file.url.path)
        #expect(entry == "corrupt_crc/data/0")
        #expect(expected != actual)
    }

    /// Into one file (checked on the copy pass), a directory, or a checkpoint:
    /// the error names the entry and nothing is left at the destination.
    @Test(arguments: [ModelConverter.Layout.singleFile, .huggingFace, .checkpoint])
    func aConversionOfADamagedFileFailsAndWritesNothing(layout: ModelConverter.Layout) throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("out")
        do {
            try ModelConverter(source: try .init(Fixtures.url(Self.corrupt)), destination: out,
                               options: .init(layout: layout)).convert()
            Issue.record("damaged file converted")
        } catch let error as PyTorchFileError {
            #expect("\(error)".contains("corrupt_crc/data/0"))
            #expect("\(error)".contains("damaged"))
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path).isEmpty)
    }
}
