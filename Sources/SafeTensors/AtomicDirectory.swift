import Foundation

/// A directory built under a temporary sibling name and renamed into place
/// only when complete, so a model directory is either the old one or the
/// whole new one — never shards without their index, or half a config.
///
/// ```swift
/// try AtomicDirectory.write(to: url, replacing: force) { staging in
///     try SafeTensorsWriter.writeSharded(tensors, to: staging, maxShardSize: limit)
/// }
/// ```
public enum AtomicDirectory {
    /// Runs `fill` on an empty staging directory next to `url`, fsyncs it,
    /// renames it to `url` and fsyncs the parent. An existing `url` is an
    /// error unless `replacing`; then it is moved aside, the new one renamed
    /// in, and the old one deleted (moved back if the rename fails). The
    /// staging directory is removed whatever happens.
    @discardableResult
    public static func write<R>(to url: URL, replacing: Bool = false, _ fill: (URL) throws -> R) throws -> R {
        let fileManager = FileManager.default
        let parent = url.deletingLastPathComponent()
        if fileManager.fileExists(atPath: url.path), !replacing {
            throw FileIOError(path: url.path, operation: "create", reason: "already exists")
        }
        let staging = parent.appendingPathComponent(".\(url.lastPathComponent).arbor-tmp-\(UUID().uuidString.prefix(8))")
        defer { try? fileManager.removeItem(at: staging) }
        do { try fileManager.createDirectory(at: staging, withIntermediateDirectories: true) } catch {
            throw FileIOError(path: staging.path, operation: "create directory", reason: (error as NSError).localizedDescription)
        }
        let result = try fill(staging)
        try AtomicFile.fsyncDirectory(staging)
        try moveIntoPlace(staging, url)
        try AtomicFile.fsyncDirectory(parent)
        return result
    }

    /// Renames `staging` (a file or directory) to `url`, swapping out an existing `url`.
    public static func moveIntoPlace(_ staging: URL, _ url: URL) throws(FileIOError) {
        let fileManager = FileManager.default
        func move(_ from: URL, _ to: URL) throws(FileIOError) {
            do { try fileManager.moveItem(at: from, to: to) } catch {
                throw FileIOError(path: to.path, operation: "rename", reason: (error as NSError).localizedDescription)
            }
        }
        guard fileManager.fileExists(atPath: url.path) else { return try move(staging, url) }
        let old = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).arbor-old-\(UUID().uuidString.prefix(8))")
        try move(url, old)
        do { try move(staging, url) } catch {
            try? fileManager.moveItem(at: old, to: url)
            throw error
        }
        try? fileManager.removeItem(at: old)
    }
}
