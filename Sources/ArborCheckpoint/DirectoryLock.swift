import Foundation
import SafeTensors
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory exclusive lock (`flock`) on `.arbor-lock` in a run directory,
/// held by the one `CheckpointManager` that writes it, so two writers never
/// race on the same steps. The holder's pid is written into the file, so a
/// second writer can say who holds it. The lock is released when this object
/// is released (or the process dies: the kernel drops `flock` locks with the
/// descriptor), so a killed run never leaves a stale lock behind. `arbor demo
/// --workdir` takes the same lock on its work directory.
package final class DirectoryLock: Sendable {
    /// The lock file's name in a run directory; neither a step nor a leftover.
    package static let fileName = ".arbor-lock"

    private let descriptor: Int32

    /// Takes the lock on `directory` (which must exist). Fails at once with
    /// `CheckpointError.locked` when another writer holds it, unless `wait`.
    package init(directory: URL, wait: Bool) throws(CheckpointError) {
        let url = directory.appendingPathComponent(DirectoryLock.fileName)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .io(FileIOError(path: url.path, operation: "open lock file", reason: String(cString: strerror(errno))))
        }
        while flock(fd, wait ? LOCK_EX : (LOCK_EX | LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = DirectoryLock.holder(fd)
            close(fd)
            if code == EWOULDBLOCK { throw .locked(path: directory.path, pid: holder) }
            throw .io(FileIOError(path: url.path, operation: "lock", reason: String(cString: strerror(code))))
        }
        descriptor = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        // Unlock explicitly before closing: a child process forked meanwhile (and not
        // yet exec'ed) shares the open file description, and would keep the lock alive.
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The pid recorded in the lock file, if it holds one. The holder writes it
    /// just after taking the lock, so an empty file is read again for up to 0.1 s.
    private static func holder(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        var count = 0
        for attempt in 0..<50 {
            count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 || attempt == 49 { break }
            usleep(2_000)
        }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
