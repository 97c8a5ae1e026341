import Arbor

/// Why a checkpoint operation failed. Every case names the file or directory
/// involved, and restore mismatches list every problem at once.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// Reading or writing a file failed.
    case io(path: String, reason: String)
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
    /// Restoring into a target found structural problems: all of them, sorted by
    /// path, with near-miss suggestions.
    case mismatch(path: String, StateMismatchError)
    /// A background save failed; rethrown by the next call so it is never lost.
    case backgroundSaveFailed(step: Int, reason: String)
    /// The manager was closed.
    case closed

    /// A message naming the file and what to do.
    public var description: String {
        switch self {
        case let .io(path, reason): "\(path): \(reason)"
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
        case let .mismatch(path, error):
            "\(path): the checkpoint does not fit the restore target: \(error)"
        case let .backgroundSaveFailed(step, reason): "saving step \(step) in the background failed: \(reason)"
        case .closed: "the checkpoint manager is closed"
        }
    }
}
