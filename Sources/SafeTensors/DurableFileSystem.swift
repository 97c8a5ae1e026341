import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one durability stack of the package: flush a file to stable storage,
/// rename it into place, flush the directory that holds the new name, and swap a
/// finished directory in for an old one.
///
/// `AtomicFile` (every safetensors file, index and JSON file), `AtomicDirectory`
/// (model directories) and the checkpoint layer's step staging all build on these
/// calls, so there is one place that knows how to make a write survive a power
/// cut: skipping the directory flush is the classic way to lose a "completed" save.
///
/// File I/O goes through swift-system (`FileDescriptor`, `FilePath`, `Errno`);
/// `fsync` and `rename` are POSIX and the same on Linux and macOS. On Darwin,
/// `fsync` only hands the data to the drive's cache, so `sync` asks for
/// `F_FULLFSYNC` first (as SQLite does) and falls back to `fsync` where the file
/// system does not support it.
package enum DurableFileSystem {
    /// Flushes an open file's data and metadata to stable storage.
    package static func sync(_ descriptor: FileDescriptor, path: String) throws(FileIOError) {
        #if canImport(Darwin)
        if fcntl(descriptor.rawValue, F_FULLFSYNC) == 0 { return }
        #endif
        guard fsync(descriptor.rawValue) == 0 else { throw lastError(path: path, operation: "fsync") }
    }

    /// Flushes an existing file (opened read-only for the purpose).
    package static func syncFile(at url: URL) throws(FileIOError) {
        try withDescriptor(url, options: [.closeOnExec], operation: "open for fsync") { (fd) throws(FileIOError) in
            try sync(fd, path: url.path)
        }
    }

    /// Flushes a directory so that entries created or renamed in it are durable.
    package static func syncDirectory(_ url: URL) throws(FileIOError) {
        try withDescriptor(url, options: [.directory, .closeOnExec], operation: "open directory") { (fd) throws(FileIOError) in
            try sync(fd, path: url.path)
        }
    }

    /// Renames `source` to `target` atomically (both on one file system); an
    /// existing file at `target` is replaced, a non-empty directory is not.
    package static func rename(_ source: URL, to target: URL) throws(FileIOError) {
        guard systemRename(source.path, target.path) == 0 else { throw lastError(path: target.path, operation: "rename \(source.lastPathComponent) into place") }
    }

    /// Renames the finished `staging` file or directory to `url` and flushes the
    /// parent. An existing `url` is first moved aside to `aside` (by default a
    /// hidden sibling), then the new one renamed in (the old one moved back if that
    /// fails), the parent flushed, and only then the old one deleted; a crash in
    /// between leaves the aside copy, never a half-written `url`. (Linux's
    /// `renameat2` exchange would make the swap one step, but Glibc does not
    /// export it to Swift; two renames work on every platform.)
    package static func moveIntoPlace(_ staging: URL, at url: URL, aside: URL? = nil) throws(FileIOError) {
        let parent = url.deletingLastPathComponent()
        guard exists(url) else {
            try rename(staging, to: url)
            return try syncDirectory(parent)
        }
        let old = aside ?? parent.appendingPathComponent(".\(url.lastPathComponent).arbor-old-\(UUID().uuidString.prefix(8))")
        try rename(url, to: old)
        do { try rename(staging, to: url) } catch {
            try? rename(old, to: url)
            throw error
        }
        try syncDirectory(parent)
        try remove(old)
    }

    /// Creates a directory and any missing parents.
    package static func makeDirectory(_ url: URL) throws(FileIOError) {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw FileIOError(path: url.path, operation: "create directory", error: error)
        }
    }

    /// Removes a file or a directory tree; a missing one is fine.
    package static func remove(_ url: URL) throws(FileIOError) {
        guard exists(url) else { return }
        do { try FileManager.default.removeItem(at: url) } catch {
            throw FileIOError(path: url.path, operation: "remove", error: error)
        }
    }

    /// The names in a directory. An unreadable directory is an error, never an
    /// empty listing (which would hide leftovers or steps).
    package static func contentsOfDirectory(_ url: URL) throws(FileIOError) -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
            throw FileIOError(path: url.path, operation: "list directory", error: error)
        }
    }

    /// Whether anything (file, directory, dangling link) exists at `url`.
    package static func exists(_ url: URL) -> Bool {
        (try? FilePath(url.path).stat(followTargetSymlink: false)) != nil
    }

    /// Whether `url` is a directory (a link is not followed).
    package static func isDirectory(_ url: URL) -> Bool {
        (try? FilePath(url.path).stat(followTargetSymlink: false))?.type == .directory
    }

    /// Opens `url` read-only, runs `body` and closes it.
    private static func withDescriptor(
        _ url: URL, options: FileDescriptor.OpenOptions, operation: String,
        _ body: (FileDescriptor) throws(FileIOError) -> Void
    ) throws(FileIOError) {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(FilePath(url.path), .readOnly, options: options) } catch {
            throw FileIOError(path: url.path, operation: operation, error: error)
        }
        defer { try? fd.close() }
        try body(fd)
    }

    /// The failure of the libc call that just returned, read from `errno`.
    static func lastError(path: String, operation: String) -> FileIOError {
        FileIOError(path: path, operation: operation, error: Errno(rawValue: errno))
    }

    /// POSIX `rename`, named apart from `DurableFileSystem.rename`.
    private static func systemRename(_ from: String, _ to: String) -> Int32 {
        #if canImport(Glibc)
        Glibc.rename(from, to)
        #else
        Darwin.rename(from, to)
        #endif
    }
}
