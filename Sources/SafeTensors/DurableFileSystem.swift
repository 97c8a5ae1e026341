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
    /// parent. An existing `url` is swapped with `staging` in one atomic step
    /// (`renameat2(RENAME_EXCHANGE)` on Linux, `renamex_np(RENAME_SWAP)` on
    /// macOS), so the name never stops pointing at a complete copy; the old one,
    /// now under the staging name, is deleted after the parent is flushed. Where
    /// the file system cannot exchange, the old one is first renamed to `aside`
    /// (by default a hidden sibling) and the new one renamed in; a crash between
    /// those two renames leaves the old copy only under `aside`, which is why
    /// callers must treat an aside name as possibly the only copy (see
    /// `CheckpointDirectory.removeLeftovers`).
    package static func moveIntoPlace(_ staging: URL, at url: URL, aside: URL? = nil) throws(FileIOError) {
        let parent = url.deletingLastPathComponent()
        guard exists(url) else {
            try rename(staging, to: url)
            return try syncDirectory(parent)
        }
        if try exchange(staging, url) {
            try syncDirectory(parent)
            return try remove(staging)
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

    /// Atomically swaps the entries `a` and `b` (both must exist). Returns `false`
    /// when this platform or file system cannot (the caller then falls back to two
    /// renames); throws for any other failure.
    package static func exchange(_ a: URL, _ b: URL) throws(FileIOError) -> Bool {
        guard let result = systemExchange(a.path, b.path) else { return false }
        if result == 0 { return true }
        let error = Errno(rawValue: errno)
        // Not supported by the kernel or this file system: fall back.
        if error == .invalidArgument || error == .noFunction || error == .notSupported { return false }
        throw FileIOError(path: b.path, operation: "exchange with \(a.lastPathComponent)", error: error)
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

    /// The platform's atomic exchange of two names, or `nil` where there is none.
    /// Glibc's `renameat2` (2.28+) is not visible to Swift, so it is looked up at
    /// run time; an older C library simply has no exchange.
    private static func systemExchange(_ a: String, _ b: String) -> Int32? {
        #if os(Linux)
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = renameat2Symbol else { return nil }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let currentDirectory: Int32 = -100      // AT_FDCWD
        let exchangeFlag: UInt32 = 1 << 1       // RENAME_EXCHANGE
        return renameat2(currentDirectory, a, currentDirectory, b, exchangeFlag)
        #elseif canImport(Darwin)
        let swapFlag: UInt32 = 0x0000_0002      // RENAME_SWAP
        return renamex_np(a, b, swapFlag)
        #else
        return nil
        #endif
    }

    #if os(Linux)
    /// `renameat2` from the process's C library, looked up once.
    // Written once by the lazy initializer, only read afterwards.
    nonisolated(unsafe) private static let renameat2Symbol: UnsafeMutableRawPointer? = {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        return dlsym(handle, "renameat2")
    }()
    #endif

    /// POSIX `rename`, named apart from `DurableFileSystem.rename`.
    private static func systemRename(_ from: String, _ to: String) -> Int32 {
        #if canImport(Glibc)
        Glibc.rename(from, to)
        #else
        Darwin.rename(from, to)
        #endif
    }
}
