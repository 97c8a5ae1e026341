import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Durability primitives: write-and-fsync, fsync of directories, rename.
///
/// A checkpoint is durable only when its files, their directories and the parent
/// directory that receives the final rename have all been fsync'ed; skipping the
/// directory fsyncs is the classic way to lose a "completed" save on power loss.
enum DurableFile {
    /// Writes `data` to a new file at `url` and fsyncs it.
    static func write(_ data: Data, to url: URL) throws(CheckpointError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: url.path, reason: "cannot create: \(errnoText())") }
        defer { close(fd) }
        let failure: String? = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> String? in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return "write failed: \(errnoText())"
                }
                offset += written
            }
            return nil
        }
        if let failure { throw .io(path: url.path, reason: failure) }
        guard fsync(fd) == 0 else { throw .io(path: url.path, reason: "fsync failed: \(errnoText())") }
    }

    /// fsyncs an existing file or directory.
    static func sync(_ url: URL) throws(CheckpointError) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: url.path, reason: "cannot open for fsync: \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: url.path, reason: "fsync failed: \(errnoText())") }
    }

    /// Renames `source` to `target` atomically (same file system). With
    /// `replacing`, an existing target directory is swapped out and removed.
    static func rename(_ source: URL, to target: URL) throws(CheckpointError) {
        guard Glibc.rename(source.path, target.path) == 0 else {
            throw .io(path: target.path, reason: "rename from \(source.lastPathComponent) failed: \(errnoText())")
        }
    }

    /// Creates a directory (and parents).
    static func makeDirectory(_ url: URL) throws(CheckpointError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io(path: url.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }

    /// Removes a file or directory tree; missing is fine.
    static func remove(_ url: URL) throws(CheckpointError) {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw .io(path: url.path, reason: "cannot remove: \(error.localizedDescription)")
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
