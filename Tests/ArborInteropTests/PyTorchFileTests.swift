import ArborInterop
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// `torch.save` fixtures read without running them: every tensor equal to the
/// Python path's safetensors file, and every malicious pickle refused by name.
@Suite struct PyTorchFileTests {
    static let validCases = ["dtypes", "views", "module", "parameters"]

    /// What `manifest.json` says each malicious file must be refused for.
    struct Expectation: Decodable, Sendable {
        var opcode: String?
        var global: String?
    }

    static let malicious: [(String, Expectation)] = {
        struct Manifest: Decodable { var malicious: [String: Expectation] }
        guard let data = try? Data(contentsOf: Fixtures.url("pytorch/manifest.json")),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.malicious.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }()

    @Test(arguments: validCases)
    func everyTensorEqualsThePythonPath(_ name: String) throws {
        let file = try PyTorchFile(contentsOf: Fixtures.url("pytorch/valid/\(name).pt"))
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("pytorch/valid/\(name).safetensors"))
        #expect(Set(file.names) == Set(reference.names))
        for entry in file.entries {
            let tensor = try file.tensor(for: entry)
            let expected = try reference.tensor(named: entry.name)
            #expect(tensor.dtype == expected.dtype, "\(entry.name)")
            #expect(tensor.shape == expected.shape, "\(entry.name)")
            #expect(tensor.withUnsafeBytes { a in expected.withUnsafeBytes { b in a.elementsEqual(b) } }, "\(entry.name)")
        }
    }

    @Test func contiguousAlignedTensorsAreWindowsAndViewsAreCopies() throws {
        let file = try PyTorchFile(contentsOf: Fixtures.url("pytorch/valid/views.pt"))
        #expect(try file.tensor(named: "offset").isMemoryMapped)
        #expect(try file.tensor(named: "tied").isMemoryMapped)
        #expect(try !file.tensor(named: "transposed").isMemoryMapped)
        #expect(file.entry(named: "offset")?.record.storageOffset == 16)
        #expect(file.entry(named: "expanded")?.record.strides == [1, 0])
        #expect(file.entry(named: "transposed")?.dataRange == nil)
    }

    @Test func readsTheDTypesTorchWrites() throws {
        let file = try PyTorchFile(contentsOf: Fixtures.url("pytorch/valid/dtypes.pt"))
        let dtypes = Dictionary(uniqueKeysWithValues: file.entries.map { ($0.name, $0.record.dtype) })
        #expect(dtypes["bf16"] == .bfloat16)
        #expect(dtypes["f8_e4m3"] == .float8E4M3)
        #expect(dtypes["u16"] == .uint16)
        #expect(dtypes["bool"] == .bool)
        #expect(file.entry(named: "scalar")?.record.shape == [])
    }

    @Test func shardedIndexOpensAsOneCollection() throws {
        let collection = try PyTorchCollection.open(Fixtures.url("pytorch/sharded"))
        #expect(collection.files.count == 2)
        #expect(collection.names.count == 6)
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("pytorch/sharded.safetensors"))
        for name in collection.names {
            let tensor = try collection.tensor(named: name)
            #expect(tensor == (try reference.tensor(named: name)), "\(name)")
        }
        #expect(throws: PyTorchFileError.self) { try collection.tensor(named: "missing") }
    }

    @Test func theLegacyFormatIsRefusedByName() {
        do {
            _ = try PyTorchFile(contentsOf: Fixtures.url("pytorch/legacy.pt"))
            Issue.record("legacy file accepted")
        } catch {
            #expect("\(error)".contains("legacy torch.save format"))
            #expect("\(error)".hasPrefix(Fixtures.url("pytorch/legacy.pt").path + ":"))
            #expect("\(error)".contains("re-save it with a current torch"))
        }
    }

    @Test func manifestListsTheMaliciousFiles() {
        #expect(Self.malicious.count >= 13)
    }

    @Test(arguments: malicious)
    func maliciousPicklesAreRefusedWithoutRunning(_ name: String, _ expected: Expectation) throws {
        let pwned = FileManager.default.currentDirectoryPath + "/PWNED"
        let error = Self.refusal(Fixtures.url("pytorch/malicious/\(name).pt"))
        if case let .refused(_, opcode, _, global, _) = error {
            #expect(opcode == expected.opcode, "\(name): \(String(describing: error))")
            #expect(global == expected.global, "\(name): \(String(describing: error))")
        } else if case let .badPickle(_, opcode, _, _) = error {
            #expect(expected.global == nil, "\(name): \(String(describing: error))")
            #expect(expected.opcode == nil || opcode == expected.opcode, "\(name): \(String(describing: error))")
        } else {
            Issue.record("\(name): \(String(describing: error))")
        }
        #expect(!FileManager.default.fileExists(atPath: pwned))
        #expect(!FileManager.default.fileExists(atPath: Fixtures.url("pytorch/malicious/PWNED").path))
    }

    /// The error opening `url` gives, or `nil` when it opens.
    static func refusal(_ url: URL) -> PyTorchFileError? {
        do {
            _ = try PyTorchFile(contentsOf: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func aTensorReachingPastItsStorageIsRefused() throws {
        // Take a valid file and make the storage smaller than the view needs,
        // by rewriting the numel of the persistent id in place (BININT1 6 -> 2).
        let temp = try TemporaryDirectory()
        var bytes = [UInt8](try Data(contentsOf: Fixtures.url("pytorch/valid/parameters.pt")))
        let pattern: [UInt8] = Array("cpu".utf8) + [0x71]
        guard let at = (0..<(bytes.count - pattern.count)).first(where: { Array(bytes[$0..<($0 + pattern.count)]) == pattern }),
              bytes[at + 5] == 0x4B else { Issue.record("pattern not found"); return }
        bytes[at + 6] = 2
        let url = temp.file("short.pt")
        try Data(bytes).write(to: url)
        #expect(throws: PyTorchFileError.self) { try PyTorchFile(contentsOf: url) }
    }
}

extension PyTorchFileTests {
    /// A hostile pickle inside a real archive: an empty tensor with a huge
    /// storage offset opens (it has no bytes) without overflowing.
    @Test func anEmptyTensorWithAHugeOffsetDoesNotOverflow() throws {
        var pickle: [UInt8] = [0x80, 2, 0x7D, 0x28, 0x8C, 1, 0x77]
        pickle += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28, 0x28, 0x8C, 7] + Array("storage".utf8)
        pickle += Array("ctorch\nFloatStorage\n".utf8) + [0x8C, 1, 0x30, 0x8C, 3] + Array("cpu".utf8) + [0x4B, 0, 0x74, 0x51]
        pickle += [0x8A, 8, 0, 0, 0, 0, 0, 0, 0, 0x40]          // offset 2^62
        pickle += [0x4B, 0, 0x85, 0x4B, 1, 0x85, 0x89, 0x29, 0x74, 0x52, 0x75, 0x2E]  // size (0,), stride (1,), False, ()
        let temp = try TemporaryDirectory()
        let url = temp.file("empty.pt")
        try Data(ZipArchiveTests.makeZip([("empty/data.pkl", pickle), ("empty/data/0", [])])).write(to: url)
        let file = try PyTorchFile(contentsOf: url)
        #expect(try file.tensor(named: "w").shape == [0])
        #expect(file.entries.first?.dataRange?.isEmpty == true)
    }
}
