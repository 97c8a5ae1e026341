import ArborTensor
import Crypto
import Foundation
import SafeTensors

/// SHA-256 of files, computed over a read-only mapping so large data files are
/// hashed at memory speed without being copied into the heap.
public enum FileDigest {
    /// Lower-case hex SHA-256 of the bytes.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Size and lower-case hex SHA-256 of the file at `url`.
    public static func sha256(of url: URL) throws(CheckpointError) -> (bytes: Int, sha256: String) {
        let file: MappedFile
        do {
            file = try MappedFile(url: url)
        } catch {
            throw .io(FileIOError(path: url.path, operation: "read", reason: error.reason))
        }
        file.adviseSequential()
        return (file.byteCount, sha256(file.bytes))
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
