import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// A file written under a temporary name and renamed over its destination only
/// when complete, so a crash or an error never leaves a half-written file where a
/// good one was.
///
/// The temporary file lives in the destination's directory (a rename is only
/// atomic within one file system). `commit()` flushes, `fsync`s the file, renames it
/// and `fsync`s the directory so the new name itself survives a power cut. Anything
/// that is not committed is removed: call `abort()`, or let the value go.
///
/// ```swift
/// let file = try AtomicFile(destination: url)
/// try file.write(headerBytes)
/// try file.write(tensorBytes)
/// try file.commit()
/// ```
///
/// Small writes are gathered in a 1 MiB buffer; large ones go straight to the
/// kernel without a copy, which is what makes writing gigabytes fast.
public final class AtomicFile {
    /// The name the file gets on `commit()`.
    public let destination: URL
    /// The temporary name it is written under until then.
    public let temporaryURL: URL

    /// Whether `commit()` `fsync`s the file and its directory (see `init`).
    public let durable: Bool

    private var descriptor: Int32
    private var buffer: UnsafeMutableRawPointer
    private var buffered = 0
    private var finished = false
    private static let bufferCapacity = 1 << 20

    /// Creates an empty temporary file next to `destination` (mode 0644 minus umask).
    /// With `durable: false` the commit skips both `fsync`s: the rename is still
    /// atomic (readers never see a half file) but a power cut may lose the new
    /// file. That is what the Python writer does, and what scratch output needs.
    public init(destination: URL, durable: Bool = true) throws(FileIOError) {
        self.destination = destination
        self.durable = durable
        let directory = destination.deletingLastPathComponent()
        let random = UInt64.random(in: 0...UInt64.max)
        let name = "." + destination.lastPathComponent + ".tmp-" + String(random, radix: 36)
        temporaryURL = directory.appendingPathComponent(name)
        descriptor = open(temporaryURL.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .fromErrno(path: temporaryURL.path, operation: "create") }
        buffer = UnsafeMutableRawPointer.allocate(byteCount: AtomicFile.bufferCapacity, alignment: 64)
    }

    deinit {
        abort()
        buffer.deallocate()
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if buffered + bytes.count <= AtomicFile.bufferCapacity {
            (buffer + buffered).copyMemory(from: base, byteCount: bytes.count)
            buffered += bytes.count
            return
        }
        try flush()
        if bytes.count < AtomicFile.bufferCapacity {
            buffer.copyMemory(from: base, byteCount: bytes.count)
            buffered = bytes.count
        } else {
            try writeAll(base, bytes.count)
        }
    }

    /// Appends the bytes of an array.
    public func write(_ bytes: [UInt8]) throws(FileIOError) {
        // `withUnsafeBytes` only rethrows untyped errors; carry the typed one out.
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(FileIOError) in try write(raw) }
        }
        try outcome.get()
    }

    /// Flushes, `fsync`s, renames over `destination` and `fsync`s the directory.
    public func commit() throws(FileIOError) {
        guard !finished else {
            throw FileIOError(path: destination.path, operation: "commit", reason: "already committed or aborted")
        }
        do throws(FileIOError) {
            try flush()
            guard !durable || fsync(descriptor) == 0 else { throw .fromErrno(path: temporaryURL.path, operation: "fsync") }
            guard close(descriptor) == 0 else { throw .fromErrno(path: temporaryURL.path, operation: "close") }
            descriptor = -1
            guard rename(temporaryURL.path, destination.path) == 0 else {
                throw .fromErrno(path: destination.path, operation: "rename into place")
            }
            finished = true
        } catch {
            abort()
            throw error
        }
        if durable { try AtomicFile.fsyncDirectory(destination.deletingLastPathComponent()) }
    }

    /// Discards the temporary file; the destination is left as it was.
    public func abort() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryURL.path)
    }

    /// Writes `bytes` to `url` atomically in one call.
    public static func write(_ bytes: [UInt8], to url: URL) throws(FileIOError) {
        let file = try AtomicFile(destination: url)
        try file.write(bytes)
        try file.commit()
    }

    /// `fsync`s a directory so that entries created or renamed in it are durable.
    public static func fsyncDirectory(_ url: URL) throws(FileIOError) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .fromErrno(path: url.path, operation: "open directory") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .fromErrno(path: url.path, operation: "fsync directory") }
    }

    private func flush() throws(FileIOError) {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try writeAll(UnsafeRawPointer(buffer), count)
    }

    private func writeAll(_ start: UnsafeRawPointer, _ count: Int) throws(FileIOError) {
        guard descriptor >= 0 else {
            throw FileIOError(path: temporaryURL.path, operation: "write", reason: "file already closed")
        }
        var done = 0
        while done < count {
            // Linux moves at most about 2 GiB per call; ask for 1 GiB at a time.
            let written = systemWrite(descriptor, start + done, Swift.min(count - done, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw .fromErrno(path: temporaryURL.path, operation: "write")
            }
            done += written
        }
    }
}
