import Foundation
import SafeTensors

/// A step being written: a hidden temporary sibling of the final step directory,
/// renamed into place only when complete.
///
/// Order of a commit: every data file fsync'ed → `checkpoint.json` (with every
/// file's size and SHA-256) written and fsync'ed last → directories fsync'ed →
/// rename to `step_N` → parent fsync'ed. A crash at any point leaves either the
/// old state or the new complete step, plus at most a `.tmp-` directory that
/// readers ignore and the next manager removes. The file-system calls are the
/// package's one durability stack, `DurableFileSystem` and `AtomicFile`.
final class StepStaging {
    /// Prefix of temporary step directories.
    static let temporaryPrefix = ".tmp-"

    /// The directory that receives the final rename.
    let root: URL
    /// Where the complete step will live.
    let finalURL: URL
    /// The temporary directory being filled.
    let url: URL
    private var committed = false

    /// Fails with `alreadyExists` when `finalURL` holds a complete checkpoint of
    /// `step` and `force` is not set. A directory there that is not a complete
    /// step (no `checkpoint.json`, an empty or unparseable one, another step's)
    /// is replaced without `force`: nothing in it can be restored (readers skip
    /// it), so replacing it loses nothing restorable, and a run whose latest
    /// save was cut short can save that step again.
    static func checkReplaceable(_ finalURL: URL, step: Int, force: Bool) throws(CheckpointError) {
        guard !force, DurableFileSystem.exists(finalURL) else { return }
        if CheckpointDirectory.entry(step: step, at: finalURL).isComplete { throw .alreadyExists(path: finalURL.path) }
    }

    /// Creates the temporary sibling of `finalURL`.
    init(finalURL: URL) throws(CheckpointError) {
        self.finalURL = finalURL.standardizedFileURL
        self.root = self.finalURL.deletingLastPathComponent()
        self.url = root.appendingPathComponent(
            "\(StepStaging.temporaryPrefix)\(self.finalURL.lastPathComponent)-\(UUID().uuidString.prefix(8))",
            isDirectory: true)
        try fileSystem { () throws(FileIOError) in
            try DurableFileSystem.makeDirectory(root)
            try DurableFileSystem.makeDirectory(url)
        }
    }

    /// A subdirectory for one item, created on demand.
    func itemDirectory(_ name: String) throws(CheckpointError) -> URL {
        let directory = url.appendingPathComponent(name, isDirectory: true)
        try fileSystem { () throws(FileIOError) in try DurableFileSystem.makeDirectory(directory) }
        return directory
    }

    /// Checksums every file, writes `checkpoint.json` and renames into place.
    /// `precomputed` holds digests of files their writer hashed while writing
    /// and fsync'ed before reporting them (every checkpoint data file): those
    /// are neither read back nor synced again. Any other file is hashed and
    /// fsync'ed here.
    @discardableResult
    func commit(_ metadata: CheckpointMetadata, precomputed: [String: CheckpointMetadata.FileRecord] = [:],
                force: Bool) throws(CheckpointError) -> CheckpointMetadata {
        var metadata = metadata
        var records: [String: CheckpointMetadata.FileRecord] = [:]
        var directories: [URL] = [url]
        for relative in try StepStaging.listFiles(in: url, directories: &directories) {
            let file = url.appendingPathComponent(relative)
            if let known = precomputed[relative] {
                records[relative] = known
                continue
            }
            let digest = try FileDigest.sha256(of: file)
            records[relative] = .init(bytes: digest.bytes, sha256: digest.sha256)
            try fileSystem { () throws(FileIOError) in try DurableFileSystem.syncFile(at: file) }
        }
        metadata.files = records
        let metadataURL = url.appendingPathComponent(CheckpointMetadata.fileName)
        let encoded: Data
        do { encoded = try metadata.encoded() } catch {
            throw .json(file: metadataURL.path, reason: "\(error)")
        }
        try StepStaging.checkReplaceable(finalURL, step: metadata.step, force: force)
        try fileSystem { () throws(FileIOError) in
            try AtomicFile.write(encoded, to: metadataURL)
            for directory in directories.reversed() { try DurableFileSystem.syncDirectory(directory) }
            // An existing step is swapped out first, so the name always points at a complete
            // step; the old one waits under a temporary name that leftover cleanup removes.
            let aside = root.appendingPathComponent(
                "\(StepStaging.temporaryPrefix)old-\(finalURL.lastPathComponent)-\(UUID().uuidString.prefix(8))")
            try DurableFileSystem.moveIntoPlace(url, at: finalURL, aside: aside)
        }
        committed = true
        return metadata
    }

    /// Removes the temporary directory of a save that will not be committed.
    func abandon() {
        if !committed { try? DurableFileSystem.remove(url) }
    }

    /// Relative paths of all regular files below `directory`, sorted; collects
    /// subdirectories into `directories` for fsync.
    static func listFiles(in directory: URL, directories: inout [URL]) throws(CheckpointError) -> [String] {
        var result: [String] = []
        var pending: [(URL, String)] = [(directory, "")]
        while let (current, prefix) = pending.popLast() {
            let names = try fileSystem { () throws(FileIOError) in try DurableFileSystem.contentsOfDirectory(current) }
            for name in names {
                let child = current.appendingPathComponent(name)
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                if DurableFileSystem.isDirectory(child) {
                    directories.append(child)
                    pending.append((child, relative))
                } else {
                    result.append(relative)
                }
            }
        }
        return result.sorted()
    }
}
