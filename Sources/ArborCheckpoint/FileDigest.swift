import ArborTensor
import Crypto
import Foundation
import SafeTensors
import SystemPackage

/// SHA-256 of files, read in bounded chunks through a file descriptor (not a
/// mapping): a file truncated or replaced while it is hashed is an error naming
/// it, never a SIGBUS, and memory stays bounded whatever the file's size.
public enum FileDigest {
    /// Bytes read per call.
    static let chunkBytes = 1 << 20

    /// Lower-case hex SHA-256 of the bytes.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Size and lower-case hex SHA-256 of the regular file at `url`. A FIFO or
    /// device is refused before reading; a file whose size changes while it is
    /// read fails with an error naming it.
    public static func sha256(of url: URL) throws(CheckpointError) -> (bytes: Int, sha256: String) {
        func failure(_ reason: String) -> CheckpointError {
            .io(FileIOError(path: url.path, operation: "read", reason: reason))
        }
        let opened: FileDescriptor?
        do { opened = try MappedFile.openRegularFile(url.path) } catch { throw failure(error.reason) }
        guard let descriptor = opened else { throw failure(Errno.noSuchFileOrDirectory.description) }
        defer { try? descriptor.close() }
        guard let expected = DurableFileSystem.size(of: url) else { throw failure("cannot stat the file") }
        var hasher = SHA256()
        var total = 0
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        while true {
            let count: Int
            do { count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) } } catch {
                throw failure("\(error)")
            }
            if count == 0 { break }
            chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            total += count
            guard total <= expected else { break }
        }
        guard total == expected else {
            throw failure("the file changed size while it was read (\(expected) bytes expected, \(total) read)")
        }
        return (total, hex(hasher.finalize()))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
