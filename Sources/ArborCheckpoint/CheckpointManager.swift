import Arbor
import ArborDistributed
import Dispatch
import Foundation
import SafeTensors

/// Saves a training run's steps into one directory, in the background, and keeps
/// the steps its retention policy asks for.
///
/// `save` returns as soon as the items are snapshotted — `State` holds
/// copy-on-write tensors, so the snapshot is a few reference copies and training
/// can go on changing the model — while a dedicated writer queue does the I/O.
/// Saves complete in order, at most `maxInFlight` at a time. A failure in the
/// background is never lost: it is thrown by the next call (any of them) and by
/// `waitUntilFinished()`/`close()`. `close()` waits for every pending save, so
/// the last save of a run is never dropped at exit.
///
/// ```swift
/// let manager = try CheckpointManager(directory: runURL, options: .init(
///     savePolicy: SavePolicy(every: 100),
///     retention: RetentionPolicy(keepLatest: 3, keepBest: .init(metric: "loss", mode: .min, count: 1))))
/// for step in 1...1000 {
///     train()
///     try await manager.save(step: step, items: ["params": .state(params)], metrics: ["loss": loss])
/// }
/// try await manager.close()
/// ```
public actor CheckpointManager {
    /// How the manager saves and what it keeps.
    public struct Options: Sendable {
        /// Which steps `save` writes (forced saves always are).
        public var savePolicy: SavePolicy
        /// Which steps survive after each save.
        public var retention: RetentionPolicy
        /// Saves writing in the background at once; `save` waits when the limit is reached.
        public var maxInFlight: Int
        /// Write in the background (`true`) or before `save` returns (`false`).
        public var asynchronous: Bool
        /// Largest data file of an item.
        public var maxDataFileBytes: Int
        /// The processes sharing the run: every one creates a manager and makes
        /// the same calls; each writes its own shards, only the primary commits
        /// and deletes old steps. One process by default.
        public var processGroup: any ProcessGroup
        /// When another manager holds the run directory's lock: wait for it
        /// (`true`; `init` then blocks its thread until the lock is free) or fail
        /// at once with `CheckpointError.locked` (`false`).
        public var waitForLock: Bool = false

        /// Options; by default every step is saved, all are kept, one save runs in
        /// the background at a time, by this process alone.
        public init(savePolicy: SavePolicy = .everyStep, retention: RetentionPolicy = .keepAll,
                    maxInFlight: Int = 1, asynchronous: Bool = true, maxDataFileBytes: Int = 1 << 30,
                    processGroup: any ProcessGroup = SingleProcessGroup()) {
            self.savePolicy = savePolicy
            self.retention = retention
            self.maxInFlight = max(1, maxInFlight)
            self.asynchronous = asynchronous
            self.maxDataFileBytes = maxDataFileBytes
            self.processGroup = processGroup
        }
    }

    /// The run directory.
    public nonisolated let directory: URL
    /// The options given at creation.
    public nonisolated let options: Options

    private nonisolated let run: CheckpointDirectory
    private let writer = DispatchQueue(label: "arbor.checkpoint-manager.writer", qos: .utility)
    private var pending: [Task<Void, Never>] = []
    private var backgroundError: CheckpointError?
    private var isClosed = false
    /// The run directory's writer lock (primary only), released by `close()`.
    private var lock: DirectoryLock?

    /// Opens (or creates) the run directory, takes its writer lock and removes
    /// temporary directories left by saves that were interrupted. Only one
    /// manager — one group of processes — may write a directory at a time: a
    /// second one fails with `CheckpointError.locked` naming the holder's pid
    /// (or waits, with `options.waitForLock`) until the first is closed.
    /// Readers (`CheckpointDirectory`, `Checkpoint`) take no lock. With a
    /// process group the primary locks and cleans up and every process waits
    /// for it.
    public init(directory: URL, options: Options = Options()) throws(CheckpointError) {
        self.directory = directory
        self.options = options
        let run = CheckpointDirectory(url: directory)
        self.run = run
        let group = options.processGroup
        var lock: DirectoryLock?
        let cleaned = Result { () throws(CheckpointError) in
            guard group.isPrimary else { return }
            try fileSystem { () throws(FileIOError) in try DurableFileSystem.makeDirectory(directory) }
            lock = try DirectoryLock(directory: directory, wait: options.waitForLock)
            try run.removeLeftovers()
        }
        try CheckpointManager.agree(cleaned, group: group)
        self.lock = lock
    }

    // MARK: - Saving

    /// Saves `items` as `step` if the save policy (or `force`) says so, and
    /// returns whether it did. With asynchronous options it returns once the
    /// items are snapshotted; the write finishes in the background.
    @discardableResult
    public func save(step: Int, items: [String: CheckpointItem], metrics: [String: Double] = [:],
                     metadata: [String: String] = [:], force: Bool = false) async throws(CheckpointError) -> Bool {
        try checkUsable()
        guard step >= 0 else { throw .invalidStep(step) }
        guard options.savePolicy.shouldSave(step: step, force: force) else { return false }
        for name in items.keys { try CheckpointItem.validate(name: name) }
        while pending.count >= options.maxInFlight {
            await pending.removeFirst().value
            try checkUsable()
        }
        let checkpointer = Checkpointer(maxDataFileBytes: options.maxDataFileBytes, processGroup: options.processGroup)
        let primary = options.processGroup.isPrimary
        let target = directory.appendingPathComponent(StepDirectoryName.name(for: step), isDirectory: true)
        let retention = options.retention
        let run = self.run
        let time = Date()
        let queue = writer
        let task = Task {
            let outcome: Result<Void, CheckpointError> = await withCheckedContinuation { continuation in
                queue.async {
                    continuation.resume(returning: Result { () throws(CheckpointError) in
                        // Retention runs on the primary inside the save, before the
                        // processes part, so every process sees the same steps after it.
                        _ = try checkpointer.save(items, to: target, step: step, metrics: metrics, metadata: metadata,
                                              time: time, force: force, afterCommit: { () throws(CheckpointError) in
                            if primary { try CheckpointManager.applyRetention(retention, in: run) }
                        })
                    })
                }
            }
            if case .failure(let error) = outcome { self.record(error, step: step) }
        }
        pending.append(task)
        if !options.asynchronous { try await waitUntilFinished() }
        return true
    }

    /// Waits for every pending save; throws the first background failure.
    public func waitUntilFinished() async throws(CheckpointError) {
        while !pending.isEmpty { await pending.removeFirst().value }
        try rethrowBackgroundError()
    }

    /// Waits for every pending save, then refuses further calls. Throws a
    /// background failure that no other call reported yet.
    public func close() async throws(CheckpointError) {
        guard !isClosed else { return }
        while !pending.isEmpty { await pending.removeFirst().value }
        isClosed = true
        lock = nil
        try rethrowBackgroundError()
    }

    // MARK: - Reading

    /// Complete steps on disk, ascending (pending saves appear once written).
    public func allSteps() throws(CheckpointError) -> [Int] {
        try checkUsable()
        return try run.completeSteps()
    }

    /// The newest complete step, if any.
    public func latestStep() throws(CheckpointError) -> Int? {
        try checkUsable()
        return try run.latestStep()
    }

    /// The best complete step by `metric` (defaults to the retention policy's
    /// best-metric); `nil` when no step has that metric.
    public func bestStep(metric: String? = nil, mode: RetentionPolicy.Best.Mode? = nil) throws(CheckpointError) -> Int? {
        try checkUsable()
        guard let name = metric ?? options.retention.keepBest?.metric else { return nil }
        let better = mode ?? options.retention.keepBest?.mode ?? .min
        let scored = try run.entries().compactMap { entry -> (Int, Double)? in
            guard let value = entry.metadata?.metrics[name], !value.isNaN else { return nil }
            return (entry.step, value)
        }
        return scored.max { a, b in
            if a.1 != b.1 { return better == .min ? a.1 > b.1 : a.1 < b.1 }
            return a.0 < b.0
        }?.0
    }

    /// `checkpoint.json` of a complete step.
    public func metadata(step: Int) throws(CheckpointError) -> CheckpointMetadata {
        try checkUsable()
        guard let metadata = try run.completeEntry(step: step).metadata else {
            throw .noSuchStep(directory: directory.path, step: step)
        }
        return metadata
    }

    /// Opens a complete step for restoring (the latest when `step` is `nil`);
    /// with `verify`, every checksum is checked first.
    public func restore(step: Int? = nil, verify: Bool = false) throws(CheckpointError) -> Checkpoint {
        try checkUsable()
        let latest = step == nil ? try run.latestStep() : nil
        guard let chosen = step ?? latest else { throw .noCheckpoints(directory: directory.path) }
        let entry = try run.completeEntry(step: chosen)
        return try Checkpointer().open(entry.url, verify: verify)
    }

    /// Recomputes every checksum of a step; one error per damaged file.
    public func verify(step: Int) throws(CheckpointError) -> [CheckpointError] {
        try checkUsable()
        return try run.verify(step: step)
    }

    /// Deletes a step (after pending saves finished, so it cannot race with
    /// them). With a process group every process calls it; the primary deletes.
    public func delete(step: Int) async throws(CheckpointError) {
        try await waitUntilFinished()
        let run = self.run
        let group = options.processGroup
        // On the writer queue: a collective blocks its thread, which must not
        // be one of the few threads Swift concurrency runs tasks on.
        let queue = writer
        let outcome: Result<Void, CheckpointError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(CheckpointError) in
                    let removed = Result { () throws(CheckpointError) in
                        let entry = try run.completeEntry(step: step)
                        if group.isPrimary { try CheckpointManager.remove(entry.url, in: run) }
                    }
                    try CheckpointManager.agree(removed, group: group)
                })
            }
        }
        try outcome.get()
    }

    /// All-gathers whether each process succeeded and throws this process's
    /// error, else the first other process's: every process leaves a
    /// collective step with the same outcome.
    static func agree(_ outcome: Result<Void, CheckpointError>, group: any ProcessGroup) throws(CheckpointError) {
        guard group.size > 1 else { return try outcome.get() }
        var report: [UInt8] = []
        if case .failure(let error) = outcome { report = Array(("!" + error.description).utf8) }
        let gathered = try group.gather(report)
        try outcome.get()
        if let failed = gathered.firstIndex(where: { !$0.isEmpty }) {
            throw .processGroup(rank: failed, reason: String(decoding: gathered[failed].dropFirst(), as: UTF8.self))
        }
    }

    // MARK: - Internals

    private func record(_ error: CheckpointError, step: Int) {
        if backgroundError == nil { backgroundError = .backgroundSaveFailed(step: step, error) }
    }

    private func rethrowBackgroundError() throws(CheckpointError) {
        if let error = backgroundError {
            backgroundError = nil
            throw error
        }
    }

    private func checkUsable() throws(CheckpointError) {
        guard !isClosed else { throw .closed }
        try rethrowBackgroundError()
    }

    /// Deletes the steps the policy does not keep. Runs on the writer queue after
    /// a successful save, so it only ever sees complete steps.
    static func applyRetention(_ policy: RetentionPolicy, in run: CheckpointDirectory) throws(CheckpointError) {
        let complete = try run.entries().filter(\.isComplete)
        let keep = policy.stepsToKeep(complete.map { ($0.step, $0.metadata?.metrics ?? [:]) })
        for entry in complete where !keep.contains(entry.step) {
            try remove(entry.url, in: run)
        }
    }

    /// Removes a step directory so that it disappears at once: rename to a
    /// temporary name (atomic), then delete the tree.
    static func remove(_ url: URL, in run: CheckpointDirectory) throws(CheckpointError) {
        let trash = run.url.appendingPathComponent(
            "\(StepStaging.temporaryPrefix)deleted-\(url.lastPathComponent)-\(UUID().uuidString.prefix(8))")
        try fileSystem { () throws(FileIOError) in
            try DurableFileSystem.rename(url, to: trash)
            try DurableFileSystem.syncDirectory(run.url)
            try DurableFileSystem.remove(trash)
        }
    }
}
