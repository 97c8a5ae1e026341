import ArborTensor
import Foundation
import SafeTensors

/// PyTorch state-dict files seen as one: a single `pytorch_model.bin` (or
/// `.pt`/`.pth`), a sharded checkpoint (`pytorch_model.bin.index.json` plus
/// its shards), or a model directory holding either. Every file is opened
/// (and its pickle read, see `PyTorchFile`) when the collection is made.
///
/// ```swift
/// let weights = try PyTorchCollection.open(URL(fileURLWithPath: "bert-base"))  // dir, index or file
/// let tensors = try weights.tensors()
/// ```
public struct PyTorchCollection: Sendable {
    /// The index file, when the collection came from one.
    public let indexURL: URL?
    /// The opened files, in index (or directory) order.
    public let files: [PyTorchFile]
    /// All tensor names: the index's sorted order, or file order.
    public let names: [String]
    private let fileByName: [String: Int]

    /// File name suffixes read as PyTorch state dicts.
    public static let fileExtensions = ["bin", "pt", "pth"]

    /// Whether `url` names something this type opens: a `.bin`/`.pt`/`.pth`
    /// file, a `*.bin.index.json`, or a directory with such files and no
    /// safetensors weights (safetensors are preferred when both are there).
    public static func recognises(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return false }
        if !isDirectory.boolValue {
            return fileExtensions.contains(url.pathExtension.lowercased()) || url.lastPathComponent.hasSuffix(".bin.index.json")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        guard !names.contains(where: { $0.hasSuffix(".safetensors") || $0.hasSuffix(".safetensors.index.json") }) else {
            return false
        }
        return names.contains { $0.hasSuffix(".bin.index.json") || fileExtensions.contains(URL(fileURLWithPath: $0).pathExtension) }
    }

    /// Opens a file, an index, or a directory (its `*.bin.index.json`, else its
    /// one `.bin`/`.pt`/`.pth` file).
    public static func open(_ url: URL) throws(PyTorchFileError) -> PyTorchCollection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .cannotOpen(file: url.path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue {
            return url.lastPathComponent.hasSuffix(".json") ? try PyTorchCollection(indexAt: url)
                : try PyTorchCollection(files: [url])
        }
        let contents = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        let indexes = contents.filter { $0.hasSuffix(".bin.index.json") }
        if indexes.count == 1 { return try PyTorchCollection(indexAt: url.appendingPathComponent(indexes[0])) }
        if indexes.count > 1 {
            throw .notPyTorchZip(file: url.path, reason: "several index files (\(indexes.joined(separator: ", "))); name one")
        }
        let files = contents.filter { fileExtensions.contains(URL(fileURLWithPath: $0).pathExtension) }
        guard files.count == 1 else {
            throw .notPyTorchZip(file: url.path, reason: files.isEmpty ? "no .bin, .pt or .pth file in this directory"
                : "several weight files (\(files.joined(separator: ", "))) and no *.bin.index.json saying how they go together")
        }
        return try PyTorchCollection(files: [url.appendingPathComponent(files[0])])
    }

    /// The files listed by a `pytorch_model.bin.index.json` (the same JSON as
    /// safetensors' index); each tensor must be in the file the index names.
    public init(indexAt url: URL) throws(PyTorchFileError) {
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: url)) } catch {
            throw .cannotOpen(file: url.path, reason: (error as NSError).localizedDescription)
        }
        let index: ShardIndex
        do { index = try ShardIndex(json: bytes, file: url.path) } catch { throw .index(error) }
        var order: [String] = []
        for (_, file) in index.weightMap where !order.contains(file) { order.append(file) }
        let directory = url.deletingLastPathComponent()
        var files: [PyTorchFile] = []
        var fileByName: [String: Int] = [:]
        for (number, name) in order.enumerated() {
            let file = try PyTorchFile(contentsOf: directory.appendingPathComponent(name))
            files.append(file)
            for entry in file.entries { fileByName[entry.name] = number }
        }
        for (name, file) in index.weightMap {
            guard let number = fileByName[name] else { throw .index(.tensorMissingFromShard(index: url.path,
                shard: directory.appendingPathComponent(file).path, tensor: name)) }
            guard order[number] == file else {
                throw .index(.tensorListedTwice(tensor: name, firstFile: file, secondFile: order[number]))
            }
        }
        self.indexURL = url
        self.files = files
        self.names = index.weightMap.map(\.name)
        self.fileByName = fileByName
    }

    /// Plain files opened now; a name in two files is an error naming both.
    public init(files urls: [URL]) throws(PyTorchFileError) {
        var files: [PyTorchFile] = []
        var names: [String] = []
        var fileByName: [String: Int] = [:]
        for (number, url) in urls.enumerated() {
            let file = try PyTorchFile(contentsOf: url)
            for name in file.names {
                if let previous = fileByName[name] {
                    throw .index(.tensorListedTwice(tensor: name, firstFile: urls[previous].path, secondFile: url.path))
                }
                fileByName[name] = number
                names.append(name)
            }
            files.append(file)
        }
        self.indexURL = nil
        self.files = files
        self.names = names
        self.fileByName = fileByName
    }

    /// The file holding `name` and its entry there.
    public func locate(_ name: String) throws(PyTorchFileError) -> (file: PyTorchFile, entry: PyTorchFile.Entry) {
        guard let number = fileByName[name], let entry = files[number].entry(named: name) else {
            throw .tensorNotFound(file: (indexURL ?? files.first?.url)?.path ?? "<empty>", tensor: name)
        }
        return (files[number], entry)
    }

    /// The tensor `name` (see `PyTorchFile.tensor(for:)`).
    public func tensor(named name: String) throws(PyTorchFileError) -> Tensor {
        let (file, entry) = try locate(name)
        return try file.tensor(for: entry)
    }

    /// Every tensor in `names` order.
    public func tensors() throws(PyTorchFileError) -> StateDict {
        var result = StateDict()
        for name in names { result[name] = try tensor(named: name) }
        return result
    }
}
