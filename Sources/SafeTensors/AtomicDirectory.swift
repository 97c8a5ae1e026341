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
///
/// `package`, not public: the interop layer and the CLI write model directories
/// through it; users call `HuggingFaceModelDirectory.save`.
package enum AtomicDirectory {
    /// Runs `fill` on an empty staging directory next to `url`, syncs it, and
    /// moves it into place with `DurableFileSystem.moveIntoPlace` (which syncs the
    /// parent). An existing `url` is an error unless `replacing`; then the old one
    /// is swapped out and deleted. The staging directory is removed whatever happens.
    @discardableResult
    package static func write<R>(to url: URL, replacing: Bool = false, _ fill: (URL) throws -> R) throws -> R {
        if DurableFileSystem.exists(url), !replacing {
            throw FileIOError(path: url.path, operation: "create", reason: "already exists")
        }
        let parent = url.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(url.lastPathComponent).arbor-tmp-\(UUID().uuidString.prefix(8))")
        defer { try? DurableFileSystem.remove(staging) }
        try DurableFileSystem.makeDirectory(staging)
        let result = try fill(staging)
        try DurableFileSystem.syncDirectory(staging)
        try DurableFileSystem.moveIntoPlace(staging, at: url)
        return result
    }
}
