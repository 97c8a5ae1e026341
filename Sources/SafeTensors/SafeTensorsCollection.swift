import ArborTensor
import Foundation

/// Tensors spread over one or more safetensors files, seen as one lazy collection:
/// a single file, a Hugging Face sharded checkpoint (`*.safetensors.index.json`
/// plus its shards), or a directory holding either.
///
/// Shards are opened (header only, see `SafeTensorsFile`) the first time one of
/// their tensors is asked for, and kept open after that. This is what `arbor
/// inspect` and state-dict loading use, so they need not care how a model was
/// saved.
///
/// ```swift
/// let model = try SafeTensorsCollection.open(URL(fileURLWithPath: "llama"))  // dir, index or file
/// let embedding = try model.tensor(named: "model.embed_tokens.weight")
/// ```
public final class SafeTensorsCollection: @unchecked Sendable {
    /// The index file, when the collection came from one.
    public let indexURL: URL?
    /// The shard files, in order of first use in the (sorted) name list.
    public let shardURLs: [URL]
    /// The index's metadata, or the single file's `__metadata__`.
    public let metadata: [String: String]?
    /// All tensor names: sorted for an index, file order for files.
    public let names: [String]
    private let shardByName: [ExactName: Int]
    private let lock = NSLock()
    private var openFiles: [Int: SafeTensorsFile] = [:]

    /// A collection described by a `*.safetensors.index.json`; no shard is opened yet.
    public init(indexAt url: URL) throws(SafeTensorsError) {
        let bytes: [UInt8]
        do {
            bytes = try DurableFileSystem.contents(of: url)
        } catch {
            throw .cannotOpen(file: url.path, reason: error.reason)
        }
        let index = try ShardIndex(json: bytes, file: url.path)
        let directory = url.deletingLastPathComponent()
        var shardURLs: [URL] = []
        var shardNumber: [String: Int] = [:]
        var shardByName: [ExactName: Int] = [:]
        for (name, file) in index.weightMap {
            let number = shardNumber[file] ?? {
                shardURLs.append(directory.appendingPathComponent(file))
                shardNumber[file] = shardURLs.count - 1
                return shardURLs.count - 1
            }()
            shardByName[ExactName(name)] = number
        }
        self.indexURL = url
        self.shardURLs = shardURLs
        self.metadata = index.metadata
        self.names = index.weightMap.map(\.name)
        self.shardByName = shardByName
    }

    /// A collection of plain files opened now; a name in two files is an error
    /// naming both.
    public init(files urls: [URL]) throws(SafeTensorsError) {
        var names: [String] = []
        var shardByName: [ExactName: Int] = [:]
        var openFiles: [Int: SafeTensorsFile] = [:]
        for (number, url) in urls.enumerated() {
            let file = try SafeTensorsFile(contentsOf: url)
            openFiles[number] = file
            for name in file.names {
                if let previous = shardByName[ExactName(name)] {
                    throw .tensorListedTwice(tensor: name, firstFile: urls[previous].path, secondFile: url.path)
                }
                shardByName[ExactName(name)] = number
                names.append(name)
            }
        }
        self.indexURL = nil
        self.shardURLs = urls
        self.metadata = urls.count == 1 ? openFiles[0]?.metadata : nil
        self.names = names
        self.shardByName = shardByName
        self.openFiles = openFiles
    }

    /// Opens what `url` points at: a `.safetensors` file, an index JSON, or a
    /// directory holding an index (preferred) or `.safetensors` files.
    public static func open(_ url: URL) throws(SafeTensorsError) -> SafeTensorsCollection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .cannotOpen(file: url.path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue {
            return url.pathExtension == "json" ? try SafeTensorsCollection(indexAt: url)
                                               : try SafeTensorsCollection(files: [url])
        }
        let contents: [String]
        do {
            contents = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        } catch {
            throw .cannotOpen(file: url.path, reason: (error as NSError).localizedDescription)
        }
        let indexes = contents.filter { $0.hasSuffix(".safetensors.index.json") }
        if indexes.contains("model.safetensors.index.json") {
            return try SafeTensorsCollection(indexAt: url.appendingPathComponent("model.safetensors.index.json"))
        }
        if indexes.count == 1 { return try SafeTensorsCollection(indexAt: url.appendingPathComponent(indexes[0])) }
        if indexes.count > 1 {
            throw .notSafeTensors(path: url.path, reason: "several index files (\(indexes.joined(separator: ", "))); name one")
        }
        let files = contents.filter { $0.hasSuffix(".safetensors") }
        guard !files.isEmpty else {
            throw .notSafeTensors(path: url.path, reason: "no .safetensors file or *.safetensors.index.json in this directory")
        }
        return try SafeTensorsCollection(files: files.map { url.appendingPathComponent($0) })
    }

    /// The file that holds `name`, or `nil` when the collection has no such tensor.
    public func shardURL(for name: String) -> URL? { shardByName[ExactName(name)].map { shardURLs[$0] } }

    /// The opened shard at `index` in `shardURLs` (opened on first use).
    public func shard(at index: Int) throws(SafeTensorsError) -> SafeTensorsFile {
        lock.lock()
        defer { lock.unlock() }
        if let file = openFiles[index] { return file }
        guard shardURLs.indices.contains(index) else {
            throw .notSafeTensors(path: indexURL?.path ?? "collection", reason: "no shard number \(index)")
        }
        let file = try SafeTensorsFile(contentsOf: shardURLs[index])
        openFiles[index] = file
        return file
    }

    /// The info for `name` from its shard.
    public func info(named name: String) throws(SafeTensorsError) -> TensorInfo {
        try locate(name).info
    }

    /// The tensor `name`, zero-copy from its shard.
    public func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
        let (file, info) = try locate(name)
        return try file.tensor(for: info)
    }

    /// Every tensor in `names` order, each zero-copy from its shard: what a
    /// converter or a model loader walks.
    public func tensors() throws(SafeTensorsError) -> StateDict {
        // The index and headers hold each name once, so every name is new here.
        var result = StateDict()
        for name in names { result[name] = try tensor(named: name) }
        return result
    }

    /// Opens every shard and checks the index against them: each listed tensor is
    /// in its shard, and no shard holds a tensor the index places elsewhere.
    public func verify() throws(SafeTensorsError) {
        for number in shardURLs.indices {
            let file = try shard(at: number)
            for name in file.names {
                if let owner = shardByName[ExactName(name)], owner != number {
                    throw .tensorListedTwice(tensor: name, firstFile: shardURLs[owner].path, secondFile: file.url.path)
                }
            }
        }
        for name in names { _ = try locate(name) }
    }

    private func locate(_ name: String) throws(SafeTensorsError) -> (file: SafeTensorsFile, info: TensorInfo) {
        guard let number = shardByName[ExactName(name)] else {
            throw .tensorNotFound(file: (indexURL ?? shardURLs.first)?.path ?? "<empty>", tensor: name)
        }
        let file = try shard(at: number)
        guard let info = file.info(named: name) else {
            throw .tensorMissingFromShard(index: indexURL?.path ?? file.url.path, shard: file.url.path, tensor: name)
        }
        return (file, info)
    }
}
