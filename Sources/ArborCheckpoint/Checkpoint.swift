import Arbor
import Foundation
import SafeTensors

/// A complete checkpoint on disk, opened for reading.
///
/// Restoring a `State` item needs no target: `tree.json` records every path with
/// its key types, variable kinds, dtypes, shapes, metadata and shared entries,
/// so what comes back is the State that was saved. Restoring into a target
/// (concrete or abstract, e.g. from `Graph.evalShape`) validates structure, shape,
/// dtype and kind and reports every mismatch in one error.
public struct Checkpoint: Sendable {
    /// The checkpoint's directory.
    public let url: URL
    /// Its parsed `checkpoint.json`.
    public let metadata: CheckpointMetadata

    /// Opens the checkpoint at `url`; fails when it is incomplete or not a checkpoint.
    public init(url: URL) throws(CheckpointError) {
        let metadataURL = url.appendingPathComponent(CheckpointMetadata.fileName)
        guard let bytes = try fileSystem({ () throws(FileIOError) in try DurableFileSystem.contentsIfPresent(of: metadataURL) }) else {
            throw .missingFile(path: metadataURL.path)
        }
        self.url = url
        let metadata = try CheckpointMetadata.decode(Data(bytes), path: metadataURL.path)
        for (name, item) in metadata.items {
            try CheckpointName.check(name, singleComponent: true, file: metadataURL.path)
            for file in item.files { try CheckpointName.check(file, singleComponent: false, file: metadataURL.path) }
        }
        for file in metadata.files.keys { try CheckpointName.check(file, singleComponent: false, file: metadataURL.path) }
        self.metadata = metadata
    }

    /// The step saved.
    public var step: Int { metadata.step }
    /// Names of the items, sorted.
    public var itemNames: [String] { metadata.items.keys.sorted() }

    /// Recomputes every file's checksum; one error per damaged or missing file.
    public func verify() -> [CheckpointError] { CheckpointDirectory.verify(metadata, in: url) }

    /// The `State` item `name`, exactly as saved. Tensors are zero-copy views of
    /// the mapped data files unless `copy` is set. A leaf saved sharded (format
    /// 2) comes back whole, gathered from the saved shards, with its spec in its
    /// metadata; restore into a sharded target to get shards instead.
    public func state(_ name: String, copy: Bool = false) throws(CheckpointError) -> State {
        let directory = try itemDirectory(name, kind: .state)
        return try StateItemReader.read(from: directory, copy: copy)
    }

    /// The `State` item `name` restored into `target`'s structure.
    ///
    /// Every path of `target` (or of the part `options.filter` selects) must be in
    /// the checkpoint with the same shape, dtype and kind, and nothing else may be
    /// there unless a filter asks for a partial restore; otherwise one error lists
    /// every problem, sorted by path, with near-miss suggestions (a key that
    /// differs by spelling, separator or integer-vs-string type). Dtypes are
    /// converted only with `options.castDTypes`.
    ///
    /// Shardings come from the target: a sharded target leaf (or one with a
    /// spec, given `options.mesh`) is restored as this process's shards of that
    /// layout, whatever mesh and process count saved it, reading only the byte
    /// ranges those shards need; every other leaf is restored whole.
    public func state(_ name: String, into target: State, options: RestoreOptions = .strict) throws(CheckpointError) -> State {
        if options.verify, let problem = verify().first { throw problem }
        let directory = try itemDirectory(name, kind: .state)
        return try StateItemReader(directory: directory, copy: options.copy).read(into: target, options: options)
    }

    /// Restores the `State` item `name` into `model`'s variables in place,
    /// validated as `state(_:into:options:)` does.
    public func restore(_ name: String, into model: some Module, options: RestoreOptions = .strict) throws(CheckpointError) {
        let target: State
        do { target = try Graph.state(model) } catch { throw .graph(error) }
        let restored = try state(name, into: target, options: options)
        do { try Graph.update(model, restored) } catch {
            if case .mismatch(let mismatch) = error { throw .mismatch(path: url.path, mismatch) }
            throw .graph(error)
        }
    }

    /// The JSON item `name` decoded as `T`.
    public func json<T: Decodable>(_ name: String, as type: T.Type = T.self) throws(CheckpointError) -> T {
        let directory = try itemDirectory(name, kind: .json)
        let file = try CheckpointName.resolve(CheckpointItem.jsonFileName, in: directory, file: metadataPath)
        guard let bytes = try fileSystem({ () throws(FileIOError) in try DurableFileSystem.contentsIfPresent(of: file) }) else {
            throw .missingFile(path: file.path)
        }
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw .corrupt(path: file.path, reason: "cannot decode as \(T.self): \(error)")
        }
    }

    private func itemDirectory(_ name: String, kind: CheckpointMetadata.ItemKind) throws(CheckpointError) -> URL {
        guard let item = metadata.items[name] else {
            throw .noSuchItem(path: url.path, item: name, available: itemNames)
        }
        guard item.kind == kind else {
            throw .wrongItemKind(path: url.path, item: name, expected: kind.rawValue, actual: item.kind.rawValue)
        }
        return try CheckpointName.resolve(name, in: url, singleComponent: true, file: metadataPath)
    }

    private var metadataPath: String { url.appendingPathComponent(CheckpointMetadata.fileName).path }
}
