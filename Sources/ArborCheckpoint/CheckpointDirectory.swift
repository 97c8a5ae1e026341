import Foundation
import SafeTensors

/// A run directory holding one subdirectory per saved step.
///
/// Only complete steps (a `step_N` directory whose `checkpoint.json` parses) are
/// ever listed or restored; temporary directories left by a crash are ignored
/// and removed by `removeLeftovers()`. Steps sort as integers.
public struct CheckpointDirectory: Sendable {
    /// One entry of a listing.
    public struct Entry: Sendable {
        /// The step number.
        public var step: Int
        /// The step's directory.
        public var url: URL
        /// Parsed `checkpoint.json`, or `nil` when the step is incomplete or corrupt.
        public var metadata: CheckpointMetadata?
        /// Why the step is not complete, when it is not.
        public var problem: String?

        /// Whether the step can be restored.
        public var isComplete: Bool { metadata != nil }
    }

    /// The run directory.
    public let url: URL

    /// A run directory at `url` (it need not exist yet).
    public init(url: URL) { self.url = url }

    /// Every `step_N` directory, complete or not, sorted by step.
    public func entries() throws(CheckpointError) -> [Entry] {
        guard DurableFileSystem.exists(url) else { return [] }
        let names = try fileSystem { () throws(FileIOError) in try DurableFileSystem.contentsOfDirectory(url) }
        var result: [Entry] = []
        for name in names {
            guard let step = StepDirectoryName.step(fromName: name) else { continue }
            result.append(CheckpointDirectory.entry(step: step, at: url.appendingPathComponent(name, isDirectory: true)))
        }
        return result.sorted { $0.step < $1.step }
    }

    /// The listing entry of the step directory `directory` for `step`: complete
    /// when its `checkpoint.json` parses and names that step, otherwise with the
    /// problem. One unreadable step is reported on that step, never by failing.
    static func entry(step: Int, at directory: URL) -> Entry {
        let metadataURL = directory.appendingPathComponent(CheckpointMetadata.fileName)
        let bytes: [UInt8]?
        do { bytes = try DurableFileSystem.contentsIfPresent(of: metadataURL) } catch {
            return Entry(step: step, url: directory, metadata: nil, problem: error.description)
        }
        guard let bytes else {
            return Entry(step: step, url: directory, metadata: nil, problem: "no \(CheckpointMetadata.fileName) (incomplete save)")
        }
        do {
            let metadata = try CheckpointMetadata.decode(Data(bytes), path: metadataURL.path)
            guard metadata.step == step else {
                return Entry(step: step, url: directory, metadata: nil,
                             problem: "\(CheckpointMetadata.fileName) says step \(metadata.step)")
            }
            return Entry(step: step, url: directory, metadata: metadata, problem: nil)
        } catch {
            return Entry(step: step, url: directory, metadata: nil, problem: error.description)
        }
    }

    /// Complete steps, sorted ascending.
    public func completeSteps() throws(CheckpointError) -> [Int] {
        try entries().filter(\.isComplete).map(\.step)
    }

    /// The newest complete step, if any.
    public func latestStep() throws(CheckpointError) -> Int? { try completeSteps().last }

    /// The directory of a complete step, or an error naming the run directory.
    public func completeEntry(step: Int) throws(CheckpointError) -> Entry {
        guard let entry = try entries().first(where: { $0.step == step }), entry.isComplete else {
            throw .noSuchStep(directory: url.path, step: step)
        }
        return entry
    }

    /// Temporary directories left behind by interrupted saves (none when the run
    /// directory does not exist yet). A directory that exists but cannot be listed
    /// is an error, not an empty listing: that would hide leftovers.
    public func leftovers() throws(CheckpointError) -> [URL] {
        guard DurableFileSystem.exists(url) else { return [] }
        let names = try fileSystem { () throws(FileIOError) in try DurableFileSystem.contentsOfDirectory(url) }
        return names.filter { $0.hasPrefix(StepStaging.temporaryPrefix) }.sorted()
            .map { url.appendingPathComponent($0, isDirectory: true) }
    }

    /// Removes temporary directories of interrupted saves. Call only when no other
    /// process is saving into this directory.
    ///
    /// A step that was being replaced is never lost: where the file system could
    /// not swap the two directories in one step, the old one waits under
    /// `.tmp-old-step_…` while the new one is renamed in, and a crash between the
    /// two renames leaves that aside copy as the only one. Such a copy is renamed
    /// back to its step name (it was complete when moved aside) instead of deleted.
    /// Returns the steps recovered that way.
    @discardableResult
    public func removeLeftovers() throws(CheckpointError) -> [URL] {
        var recovered: [URL] = []
        for leftover in try leftovers() {
            if let original = CheckpointDirectory.stepMovedAside(leftover.lastPathComponent) {
                let stepURL = url.appendingPathComponent(original, isDirectory: true)
                let commit = leftover.appendingPathComponent(CheckpointMetadata.fileName)
                if !DurableFileSystem.exists(stepURL), DurableFileSystem.exists(commit) {
                    try fileSystem { () throws(FileIOError) in
                        try DurableFileSystem.rename(leftover, to: stepURL)
                        try DurableFileSystem.syncDirectory(url)
                    }
                    recovered.append(stepURL)
                    continue
                }
            }
            try fileSystem { () throws(FileIOError) in try DurableFileSystem.remove(leftover) }
        }
        return recovered
    }

    /// The step name in `.tmp-old-step_00000100-1a2b3c4d`, the name a replaced
    /// step waits under; `nil` for every other temporary name.
    package static func stepMovedAside(_ name: String) -> String? {
        let prefix = StepStaging.temporaryPrefix + "old-"
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dash = rest.lastIndex(of: "-") else { return nil }
        let step = String(rest[..<dash])
        return StepDirectoryName.step(fromName: step) == nil ? nil : step
    }
}
