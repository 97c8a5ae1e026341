import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A file written under a temporary name and renamed over its destination only
/// when complete, so a crash or an error never leaves a half-written file where a
/// good one was.
///
/// The temporary file lives in the destination's directory (a rename is only
/// atomic within one file system). `commit()` flushes, syncs the file, renames it
/// and syncs the directory so the new name itself survives a power cut (see
/// `DurableFileSystem`). Anything that is not committed is removed: call
/// `abort()`, or let the value go.
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
///
/// `package`, not public: it is plumbing of the safetensors and checkpoint
/// writers; users write files through `SafeTensorsWriter` and `Checkpointer`.
package final class AtomicFile {
    /// The name the file gets on `commit()`.
    package let destination: URL
    /// The temporary name it is written under until then.
    package let temporaryURL: URL

    /// Whether `commit()` syncs the file and its directory (see `init`).
    package let durable: Bool

    private var descriptor: FileDescriptor?
    private var buffer: UnsafeMutableRawPointer
    private var buffered = 0
    private var finished = false
    private static let bufferCapacity = 1 << 20

    /// Creates an empty temporary file next to `destination` (mode 0644 minus umask).
    /// With `durable: false` the commit skips both syncs: the rename is still
    /// atomic (readers never see a half file) but a power cut may lose the new
    /// file. That is what the Python writer does, and what scratch output needs.
    package init(destination: URL, durable: Bool = true) throws(FileIOError) {
        self.destination = destination
        self.durable = durable
        let directory = destination.deletingLastPathComponent()
        let random = UInt64.random(in: 0...UInt64.max)
        let name = "." + destination.lastPathComponent + ".tmp-" + String(random, radix: 36)
        temporaryURL = directory.appendingPathComponent(name)
        do {
            descriptor = try FileDescriptor.open(
                FilePath(temporaryURL.path), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw FileIOError(path: temporaryURL.path, operation: "create", error: error)
        }
        buffer = UnsafeMutableRawPointer.allocate(byteCount: AtomicFile.bufferCapacity, alignment: 64)
    }

    deinit {
        abort()
        buffer.deallocate()
    }

    /// Appends `bytes`.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
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
            try writeAll(bytes)
        }
    }

    /// Alignment of file offsets, addresses and lengths while writes are direct.
    package static let directAlignment = 4096

    /// Whether writes currently bypass the page cache (see `setDirect(_:)`).
    package private(set) var isDirect = false

    /// Turns direct writes on or off: with them on, the kernel copies nothing
    /// into the page cache and the device reads the caller's memory (Linux
    /// `O_DIRECT`), which on virtual machines is far cheaper than filling
    /// fresh page-cache pages. While on, every write must start at a file
    /// offset, from an address and with a length that are multiples of
    /// `directAlignment`, and nothing may be buffered: turn it off before the
    /// unaligned tail. Durability is unchanged: `commit()` still syncs. Returns
    /// whether writes are now direct (always `false` where the system or the
    /// file system does not support it, e.g. Darwin).
    @discardableResult
    package func setDirect(_ on: Bool) -> Bool {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        #if arch(x86_64)
        let flag: Int32 = 0o40000      // O_DIRECT (not exported by the Glibc module)
        #else
        let flag: Int32 = 0o200000
        #endif
        guard let descriptor, buffered == 0 else { return false }
        let current = fcntl(descriptor.rawValue, F_GETFL)
        guard current >= 0, fcntl(descriptor.rawValue, F_SETFL, on ? current | flag : current & ~flag) == 0 else {
            return isDirect
        }
        isDirect = on
        return on
        #else
        return false
        #endif
    }

    /// Appends the bytes of an array.
    package func write(_ bytes: [UInt8]) throws(FileIOError) {
        // `withUnsafeBytes` only rethrows untyped errors; carry the typed one out.
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(FileIOError) in try write(raw) }
        }
        try outcome.get()
    }

    /// Flushes, syncs, renames over `destination` and syncs the directory.
    package func commit() throws(FileIOError) {
        guard !finished, let descriptor else {
            throw FileIOError(path: destination.path, operation: "commit", reason: "already committed or aborted")
        }
        do throws(FileIOError) {
            try flush()
            if durable { try DurableFileSystem.sync(descriptor, path: temporaryURL.path) }
            self.descriptor = nil
            do { try descriptor.close() } catch {
                throw FileIOError(path: temporaryURL.path, operation: "close", error: error)
            }
            try DurableFileSystem.rename(temporaryURL, to: destination)
            finished = true
        } catch {
            abort()
            throw error
        }
        if durable { try DurableFileSystem.syncDirectory(destination.deletingLastPathComponent()) }
    }

    /// Discards the temporary file; the destination is left as it was.
    package func abort() {
        guard !finished else { return }
        finished = true
        try? descriptor?.close()
        descriptor = nil
        try? DurableFileSystem.remove(temporaryURL)
    }

    /// Writes `bytes` to `url` atomically (and durably) in one call.
    package static func write(_ bytes: [UInt8], to url: URL) throws(FileIOError) {
        let file = try AtomicFile(destination: url)
        try file.write(bytes)
        try file.commit()
    }

    /// Writes `data` to `url` atomically (and durably) in one call.
    package static func write(_ data: Data, to url: URL) throws(FileIOError) {
        try write([UInt8](data), to: url)
    }

    private func flush() throws(FileIOError) {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try writeAll(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    /// Writes every byte (the kernel may take fewer per call; interrupted calls are retried).
    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        guard let descriptor else {
            throw FileIOError(path: temporaryURL.path, operation: "write", reason: "file already closed")
        }
        do { try descriptor.writeAll(bytes) } catch {
            throw FileIOError(path: temporaryURL.path, operation: "write", error: error)
        }
    }
}
