import Crypto
import Foundation
import SafeTensors

/// Writes a safetensors data file durably and returns its size and SHA-256,
/// hashed from memory as the bytes go out, so a multi-process save never reads
/// its own files back to checksum them.
enum HashingSafeTensorsWriter {
    static func write(_ entries: [SafeTensorsEntry], to url: URL) throws(CheckpointError) -> CheckpointMetadata.FileRecord {
        let plan: SafeTensorsWriter.Plan
        do { plan = try SafeTensorsWriter.makePlan(entries: entries, metadata: ["format": "arbor"], file: url.path) } catch {
            throw .safeTensors(error)
        }
        var hasher = SHA256()
        let prefix = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(plan.header.count) >> (8 * UInt64($0))) }
        try fileSystem { () throws(FileIOError) in
            let file = try AtomicFile(destination: url, durable: true)
            func emit(_ raw: UnsafeRawBufferPointer) throws(FileIOError) {
                hasher.update(bufferPointer: raw)
                try file.write(raw)
            }
            try (prefix + plan.header).withUnsafeBytes { raw in Result { () throws(FileIOError) in try emit(raw) } }.get()
            for entry in plan.entries {
                switch entry.payload {
                case .tensor(let tensor): try tensor.withUnsafeBytes { (raw) throws(FileIOError) in try emit(raw) }
                case .bytes(let bytes):
                    try bytes.withUnsafeBytes { raw in Result { () throws(FileIOError) in try emit(raw) } }.get()
                }
            }
            try file.commit()
        }
        return .init(bytes: plan.fileSize, sha256: FileDigest.hex(hasher.finalize()))
    }
}
