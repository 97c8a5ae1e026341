import Foundation
import SystemPackage

extension DurableFileSystem {
    /// The whole contents of the file at `url`, or `nil` when there is no such
    /// file. Any other failure (a directory, no permission, an I/O error) is an
    /// error: a file that exists but cannot be read is never taken as missing.
    package static func contentsIfPresent(of url: URL) throws(FileIOError) -> [UInt8]? {
        let descriptor: FileDescriptor
        do { descriptor = try FileDescriptor.open(FilePath(url.path), .readOnly, options: [.closeOnExec]) } catch {
            if let errno = error as? Errno, errno == .noSuchFileOrDirectory { return nil }
            throw FileIOError(path: url.path, operation: "open", error: error)
        }
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

    /// The size in bytes of the file at `url` (following links), or `nil` when
    /// nothing can be found there.
    package static func size(of url: URL) -> Int? {
        guard let info = try? FilePath(url.path).stat() else { return nil }
        return Int(exactly: info.size)
    }
}
