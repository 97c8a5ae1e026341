import Arbor
import SafeTensors

/// Why a checkpoint operation failed. Every case names the file, directory or
/// path involved, restore mismatches list every problem at once, and errors from
/// the layers below are wrapped, not flattened, so a caller can `catch` them:
///
/// ```swift
/// do {
///     try checkpoint.restore("params", into: model)
/// } catch CheckpointError.mismatch(_, let mismatch) {
///     for problem in mismatch.problems { print(problem) }
/// }
/// ```
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// A file-system call failed (create, write, fsync, rename, list, remove).
    case io(FileIOError)
    /// A file exists but its contents are not what Arbor wrote.
    case corrupt(path: String, reason: String)
    /// The checkpoint was written by a newer Arbor.
    case unsupportedVersion(path: String, version: Int, supported: Int)
    /// A file's checksum no longer matches `checkpoint.json` (bit rot, truncation).
    case checksumMismatch(path: String, expected: String, actual: String)
    /// A file listed in `checkpoint.json` is missing or has the wrong size.
    case missingFile(path: String)
    /// A step directory already exists and overwriting was not asked for.
    case alreadyExists(path: String)
    /// No complete step with that number exists.
    case noSuchStep(directory: String, step: Int)
    /// The directory has no complete step at all.
    case noCheckpoints(directory: String)
    /// The step has no item of that name.
    case noSuchItem(path: String, item: String, available: [String])
    /// An item name that cannot be a directory name.
    case invalidItemName(String)
    /// The item is of another kind than the call expects (state vs JSON).
    case wrongItemKind(path: String, item: String, expected: String, actual: String)
    /// A step number below zero was given to save.
    case invalidStep(Int)
    /// A leaf to save is abstract (shape and dtype only, e.g. from `Graph.evalShape`):
    /// there are no values to write. `item` is the item being saved.
    case abstractValue(item: String, path: Path)
    /// A value could not be encoded as JSON (`file` is the JSON file it was for:
    /// an item's `value.json`, `tree.json` or `checkpoint.json`).
    case json(file: String, reason: String)
    /// A data file could not be laid out as safetensors (file-system failures
    /// while writing it are `io`).
    case safeTensors(SafeTensorsError)
    /// Restoring into a target found structural problems: all of them, sorted by
    /// path, with near-miss suggestions. `path` is the item's directory.
    case mismatch(path: String, StateMismatchError)
    /// Reading the model to restore into, or writing the restored state into it,
    /// failed (a model `Graph` cannot capture, for example).
    case graph(GraphError)
    /// A background save failed; rethrown by the next call so it is never lost.
    indirect case backgroundSaveFailed(step: Int, CheckpointError)
    /// The manager was closed.
    case closed
    /// A collective of the process group failed (a process died or timed out,
    /// or the processes disagree on what to save). `rank` is the reporting process.
    case processGroup(rank: Int, reason: String)
    /// A sharded leaf cannot be saved or restored as asked (wrong process
    /// count, missing shards, a mesh the target cannot use).
    case sharding(path: String, reason: String)
    /// A name read from `file` (an item, a `files` entry, a data file in
    /// `tree.json`) is not a plain relative name inside the step directory.
    case unsafeName(file: String, name: String, reason: String)
    /// Another `CheckpointManager` (process `pid`, when known) is writing the
    /// run directory at `path`; only one writer per directory is allowed.
    case locked(path: String, pid: Int?)

    /// A message naming the file and what to do.
    public var description: String {
        switch self {
        case let .io(error): error.description
        case let .corrupt(path, reason): "\(path): corrupt checkpoint: \(reason)"
        case let .unsupportedVersion(path, version, supported):
            "\(path): checkpoint format version \(version) is newer than this Arbor supports (\(supported)); upgrade Arbor"
        case let .checksumMismatch(path, expected, actual):
            "\(path): checksum mismatch (expected sha256 \(expected), found \(actual)); the file is damaged"
        case let .missingFile(path): "\(path): file listed in checkpoint.json is missing or truncated"
        case let .alreadyExists(path): "\(path): a checkpoint already exists here (pass force: true to overwrite)"
        case let .noSuchStep(directory, step): "\(directory): no complete checkpoint for step \(step)"
        case let .noCheckpoints(directory): "\(directory): no complete checkpoint found"
        case let .noSuchItem(path, item, available):
            "\(path): no item \"\(item)\" (items: \(available.sorted().joined(separator: ", ")))"
        case let .invalidItemName(name):
            "invalid item name \"\(name)\": use letters, digits, '_', '-' or '.', not starting with '.'"
        case let .wrongItemKind(path, item, expected, actual):
            "\(path): item \"\(item)\" holds \(actual), not \(expected)"
        case let .invalidStep(step): "step must be non-negative, got \(step)"
        case let .abstractValue(item, path):
            "cannot save `\(path)` of item \"\(item)\": it is abstract (shape and dtype only, no values); " +
                "save a concrete State, not one from Graph.evalShape"
        case let .json(file, reason): "cannot encode \(file) as JSON: \(reason)"
        case let .safeTensors(error): error.description
        case let .mismatch(path, error):
            "\(path): the checkpoint does not fit the restore target: \(error)"
        case let .graph(error): "cannot read or update the model: \(error)"
        case let .backgroundSaveFailed(step, error): "saving step \(step) in the background failed: \(error)"
        case .closed: "the checkpoint manager is closed"
        case let .processGroup(rank, reason): "process \(rank): checkpoint collective failed: \(reason)"
        case let .sharding(path, reason): "\(path): \(reason)"
        case let .locked(path, pid):
            "\(path): another checkpoint manager (\(pid.map { "pid \($0)" } ?? "unknown pid")) is writing this directory; " +
                "wait for it to finish or use another directory"
        case let .unsafeName(file, name, reason):
            "\(file): refusing name \"\(name)\": it \(reason); names in a checkpoint must be plain relative names inside the step directory"
        }
    }
}

/// Runs a call of the durable file-system stack (`DurableFileSystem`,
/// `AtomicFile`), its failure becoming `CheckpointError.io`.
func fileSystem<R>(_ body: () throws(FileIOError) -> R) throws(CheckpointError) -> R {
    do { return try body() } catch { throw .io(error) }
}
