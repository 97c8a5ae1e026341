import Arbor
import ArborDistributed
import Crypto
import Foundation
import SafeTensors

/// One checkpoint written by every process of a group (format 2).
///
/// 1. The primary creates the staging directory and tells everyone its name
///    (all-gather, which is also the first barrier).
/// 2. Every process writes its own data file per `State` item (its shards and
///    its share of the replicated leaves), fsyncs it and hashes it while
///    writing; the primary also writes the JSON items. All-gather: each
///    process's file records and a fingerprint of its plan, or its error.
/// 3. The primary checks every process succeeded and planned the same tree,
///    writes `tree.json`s, then `checkpoint.json` listing every file of every
///    process, fsyncs and renames the step into place (`StepStaging.commit`),
///    runs `afterCommit` (retention), and all-gathers the outcome so every
///    process returns the same metadata or the same error.
///
/// A process killed anywhere before the primary's rename leaves only a `.tmp-`
/// directory: nothing is committed until every process reported its files
/// durable.
enum DistributedSave {
    /// What a process tells the others after a phase.
    struct Message: Codable {
        var error: String?
        var staging: String?
        var fingerprint: String?
        var files: [String: CheckpointMetadata.FileRecord]?
        var metadata: Data?
    }

    static func save(
        _ items: [String: CheckpointItem], to finalURL: URL, step: Int, metrics: [String: Double],
        metadata userMetadata: [String: String], time: Date, force: Bool, group: any ProcessGroup,
        afterCommit: () throws(CheckpointError) -> Void = {}
    ) throws(CheckpointError) -> CheckpointMetadata {
        let rank = group.rank, size = group.size
        let primary = group.isPrimary
        let root = finalURL.standardizedFileURL.deletingLastPathComponent()

        // Phase 1: the primary prepares the staging directory.
        var staging: StepStaging?
        defer { staging?.abandon() }
        var message = Message()
        let prepared = Result { () throws(CheckpointError) in
            for name in items.keys { try CheckpointItem.validate(name: name) }
            guard primary else { return }
            try StepStaging.checkReplaceable(finalURL, step: step, force: force)
            let created = try StepStaging(finalURL: finalURL)
            staging = created
            for name in items.keys { _ = try created.itemDirectory(name) }
            message.staging = created.url.lastPathComponent
        }
        let first = try exchange(message, outcome: prepared, group: group)
        guard let stagingName = first[0].staging else {
            throw .processGroup(rank: rank, reason: "the primary sent no staging directory")
        }
        let stagingURL = root.appendingPathComponent(stagingName, isDirectory: true)

        // Phase 2: every process writes its own files.
        var trees: [String: [TreeFile.Leaf]] = [:]
        message = Message()
        let written = Result { () throws(CheckpointError) in
            var records: [String: CheckpointMetadata.FileRecord] = [:]
            for (name, item) in items.sorted(by: { $0.key < $1.key }) {
                let directory = stagingURL.appendingPathComponent(name, isDirectory: true)
                switch item {
                case .state(let state):
                    let plan = try ShardedWritePlan(state, item: name, rank: rank, processCount: size)
                    let file = ShardedWritePlan.fileName(process: rank, of: size)
                    records["\(name)/\(file)"] = try HashingSafeTensorsWriter.write(
                        plan.entries, to: directory.appendingPathComponent(file))
                    trees[name] = plan.leaves
                case .json(let data):
                    guard primary else { continue }
                    let url = directory.appendingPathComponent(CheckpointItem.jsonFileName)
                    try fileSystem { () throws(FileIOError) in try AtomicFile.write(data, to: url) }
                }
            }
            message.files = records
            message.fingerprint = try fingerprint(trees)
        }
        let second = try exchange(message, outcome: written, group: group)

        // Phase 3: the primary commits.
        message = Message()
        let committed = Result { () throws(CheckpointError) -> CheckpointMetadata? in
            guard primary, let staging else { return nil }
            for (other, report) in second.enumerated() where report.fingerprint != second[0].fingerprint {
                throw .processGroup(rank: other, reason: "process \(other) planned another tree than the primary " +
                                    "(different paths, shapes, dtypes or shardings on different processes)")
            }
            var precomputed: [String: CheckpointMetadata.FileRecord] = [:]
            for report in second { precomputed.merge(report.files ?? [:]) { current, _ in current } }
            var records: [String: CheckpointMetadata.Item] = [:]
            for (name, item) in items {
                switch item {
                case .state:
                    let treeURL = staging.url.appendingPathComponent(name).appendingPathComponent(TreeFile.fileName)
                    try writeTree(TreeFile(formatVersion: 2, leaves: trees[name] ?? []), to: treeURL)
                    let files = (0..<size).map { "\(name)/\(ShardedWritePlan.fileName(process: $0, of: size))" }
                    records[name] = .init(kind: .state, files: files + ["\(name)/\(TreeFile.fileName)"])
                case .json:
                    records[name] = .init(kind: .json, files: ["\(name)/\(CheckpointItem.jsonFileName)"])
                }
            }
            var record = CheckpointMetadata(step: step, time: time, metrics: metrics, items: records,
                                            metadata: userMetadata, files: [:])
            record.formatVersion = 2
            let result = try staging.commit(record, precomputed: precomputed, force: force)
            try afterCommit()
            message.metadata = try? result.encoded()
            return result
        }
        let third = try exchange(message, outcome: committed.map { _ in () }, group: group)
        if case .success(let result?) = committed { return result }
        guard let bytes = third[0].metadata else {
            throw .processGroup(rank: rank, reason: "the primary sent no checkpoint metadata")
        }
        return try CheckpointMetadata.decode(bytes, path: finalURL.appendingPathComponent(CheckpointMetadata.fileName).path)
    }

    /// All-gathers `message` (with this process's error, if any) and throws
    /// this process's error, else the first other process's, else returns
    /// every process's message.
    private static func exchange(
        _ message: Message, outcome: Result<Void, CheckpointError>, group: any ProcessGroup
    ) throws(CheckpointError) -> [Message] {
        var message = message
        if case .failure(let error) = outcome { message.error = error.description }
        let encoded: [UInt8]
        do { encoded = Array(try JSONEncoder().encode(message)) } catch {
            throw .json(file: "collective message", reason: "\(error)")
        }
        let gathered = try group.gather(encoded)
        if case .failure(let error) = outcome { throw error }
        var messages: [Message] = []
        for (rank, bytes) in gathered.enumerated() {
            guard let decoded = try? JSONDecoder().decode(Message.self, from: Data(bytes)) else {
                throw .processGroup(rank: rank, reason: "unreadable collective message from process \(rank)")
            }
            if let error = decoded.error { throw .processGroup(rank: rank, reason: error) }
            messages.append(decoded)
        }
        return messages
    }

    private static func fingerprint(_ trees: [String: [TreeFile.Leaf]]) throws(CheckpointError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return FileDigest.hex(SHA256.hash(data: try encoder.encode(trees))) } catch {
            throw .json(file: TreeFile.fileName, reason: "\(error)")
        }
    }

    /// Writes a `tree.json` durably.
    static func writeTree(_ tree: TreeFile, to url: URL) throws(CheckpointError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(tree) } catch { throw .json(file: url.path, reason: "\(error)") }
        try fileSystem { () throws(FileIOError) in try AtomicFile.write(data, to: url) }
    }
}
