import Arbor
import ArborDistributed
import Foundation
import SafeTensors

/// Saves and restores one checkpoint directory, synchronously and atomically.
///
/// `save` writes into a hidden temporary sibling, fsyncs every file and
/// directory, writes `checkpoint.json` last and renames the directory into
/// place, so the destination is either absent, the old checkpoint, or the new
/// complete one — never half written. An existing checkpoint is replaced only
/// with `force: true`. `CheckpointManager` builds step directories, retention and
/// background saving on top of this.
///
/// ```swift
/// let checkpointer = Checkpointer()
/// try checkpointer.save(["params": .state(params)], to: url)
/// let params = try checkpointer.open(url).state("params")            // faithful, no target needed
/// let again = try checkpointer.open(url).state("params", into: target) // validated against a target
/// ```
///
/// With a process group of several processes, every process calls `save` with
/// its own view of the state (sharded leaves hold that process's shards) and
/// writes only its own shards; the primary commits once all are durable
/// (format 2, see `DistributedSave`). Any process count can restore the result.
public struct Checkpointer: Sendable {
    /// Largest data file an item is split into (a bigger single tensor gets a
    /// file of its own). Multi-process saves write one file per process instead.
    public var maxDataFileBytes: Int
    /// The processes saving together; one process by default.
    public var processGroup: any ProcessGroup

    /// A checkpointer; `maxDataFileBytes` defaults to 1 GiB.
    public init(maxDataFileBytes: Int = 1 << 30, processGroup: any ProcessGroup = SingleProcessGroup()) {
        self.maxDataFileBytes = maxDataFileBytes
        self.processGroup = processGroup
    }

    /// Writes `items` as a complete checkpoint at `directory`. With a process
    /// group, every process must call it with the same items (its own shards).
    @discardableResult
    public func save(
        _ items: [String: CheckpointItem], to directory: URL, step: Int = 0, metrics: [String: Double] = [:],
        metadata: [String: String] = [:], time: Date = Date(), force: Bool = false
    ) throws(CheckpointError) -> CheckpointMetadata {
        try save(items, to: directory, step: step, metrics: metrics, metadata: metadata, time: time, force: force,
                 afterCommit: {})
    }

    /// `save`, running `afterCommit` on the primary right after the commit and
    /// before the processes part (the manager's retention).
    func save(
        _ items: [String: CheckpointItem], to directory: URL, step: Int, metrics: [String: Double],
        metadata: [String: String], time: Date, force: Bool, afterCommit: () throws(CheckpointError) -> Void
    ) throws(CheckpointError) -> CheckpointMetadata {
        if processGroup.size > 1 || items.values.contains(where: \.hasShardedLeaves) {
            return try DistributedSave.save(items, to: directory, step: step, metrics: metrics, metadata: metadata,
                                            time: time, force: force, group: processGroup, afterCommit: afterCommit)
        }
        let saved = try saveSingle(items, to: directory, step: step, metrics: metrics, metadata: metadata,
                                   time: time, force: force)
        try afterCommit()
        return saved
    }

    /// Format 1: one process, no sharded leaf.
    private func saveSingle(
        _ items: [String: CheckpointItem], to directory: URL, step: Int, metrics: [String: Double],
        metadata: [String: String], time: Date, force: Bool
    ) throws(CheckpointError) -> CheckpointMetadata {
        for name in items.keys { try CheckpointItem.validate(name: name) }
        try StepStaging.checkReplaceable(directory, step: step, force: force)
        let staging = try StepStaging(finalURL: directory)
        defer { staging.abandon() }
        var records: [String: CheckpointMetadata.Item] = [:]
        var digests: [String: CheckpointMetadata.FileRecord] = [:]
        for (name, item) in items.sorted(by: { $0.key < $1.key }) {
            let itemDirectory = try staging.itemDirectory(name)
            switch item {
            case .state(let state):
                let written = try StateItemWriter.write(state, to: itemDirectory, maxFileBytes: maxDataFileBytes)
                records[name] = .init(kind: .state, files: written.files.map { "\(name)/\($0)" })
                for (file, digest) in written.records { digests["\(name)/\(file)"] = digest }
            case .json(let data):
                try fileSystem { () throws(FileIOError) in
                    try AtomicFile.write(data, to: itemDirectory.appendingPathComponent(CheckpointItem.jsonFileName))
                }
                records[name] = .init(kind: .json, files: ["\(name)/\(CheckpointItem.jsonFileName)"])
            }
        }
        let record = CheckpointMetadata(step: step, time: time, metrics: metrics, items: records,
                                        metadata: metadata, files: [:])
        return try staging.commit(record, precomputed: digests, force: force)
    }

    /// Opens a complete checkpoint for reading; with `verify`, first recomputes
    /// every checksum and throws the first damaged file.
    public func open(_ directory: URL, verify: Bool = false) throws(CheckpointError) -> Checkpoint {
        let checkpoint = try Checkpoint(url: directory)
        if verify, let problem = checkpoint.verify().first { throw problem }
        return checkpoint
    }
}
