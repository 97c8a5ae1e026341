import ArborTensor
import Foundation
import SystemPackage

extension DurableFileSystem {
    /// The whole contents of the file at `url`, or `nil` when there is no such
    /// file. Any other failure (a directory, no permission, an I/O error) is an
    /// error: a file that exists but cannot be read is never taken as missing.
    ///
    /// A FIFO, device or directory is refused at once (`MappedFile.openRegularFile`),
    /// never waited on: reading one could block forever.
    package static func contentsIfPresent(of url: URL) throws(FileIOError) -> [UInt8]? {
        let opened: FileDescriptor?
        do { opened = try MappedFile.openRegularFile(url.path) } catch {
            // A directory or FIFO is refused as a failed read, as reading a directory always was.
            throw FileIOError(path: url.path, operation: error == .notARegularFile(path: url.path) ? "read" : "open",
                              reason: error.reason)
        }
        guard let descriptor = opened else { return nil }
        defer { try? descriptor.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count: Int
            do { count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) } } catch {
                throw FileIOError(path: url.path, operation: "read", error: error)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// The whole contents of the regular file at `url`; a missing file is an
    /// error too. For small files read whole (JSON indexes, configs, rules).
    package static func contents(of url: URL) throws(FileIOError) -> [UInt8] {
        guard let bytes = try contentsIfPresent(of: url) else {
            throw FileIOError(path: url.path, operation: "open", reason: Errno.noSuchFileOrDirectory.description)
        }
        return bytes
    }

    /// The size in bytes of the file at `url` (following links), or `nil` when
    /// nothing can be found there.
    package static func size(of url: URL) -> Int? {
        guard let info = try? FilePath(url.path).stat() else { return nil }
        return Int(exactly: info.size)
    }
}
