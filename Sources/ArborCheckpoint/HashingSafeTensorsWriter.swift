import Crypto
import ArborTensor
import Foundation
import SafeTensors

/// Writes a safetensors data file durably and returns its size and SHA-256.
///
/// The digest is computed from the bytes being written, on a second thread
/// and in step with the writes (`PipelinedHasher`), so a save never reads its
/// own files back to checksum them and hashing adds no pass over the data.
/// Used by every checkpoint save, single- and multi-process.
enum HashingSafeTensorsWriter {
    static func write(_ entries: [SafeTensorsEntry], to url: URL) throws(CheckpointError) -> CheckpointMetadata.FileRecord {
        let plan: SafeTensorsWriter.Plan
        do { plan = try SafeTensorsWriter.makePlan(entries: entries, metadata: ["format": "arbor"], file: url.path) } catch {
            throw .safeTensors(error)
        }
        let hasher = PipelinedHasher()
        let prefix = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(plan.header.count) >> (8 * UInt64($0))) }
        try fileSystem { () throws(FileIOError) in
            let file = try AtomicFile(destination: url, durable: true)
            func emit(_ raw: UnsafeRawBufferPointer) throws(FileIOError) {
                try hasher.hash(raw) { (piece) throws(FileIOError) in try file.write(piece) }
            }
            try (prefix + plan.header).withUnsafeBytes { raw in Result { () throws(FileIOError) in try emit(raw) } }.get()
            for entry in plan.entries {
                switch entry.payload {
                case .tensor(let tensor):
                    do {
                        try tensor.forEachByteChunk(maxBytes: PipelinedHasher.chunkBytes) { raw in
                            try Result { () throws(FileIOError) in try emit(raw) }.get()
                        }
                    } catch let error as FileIOError {
                        throw error
                    } catch let error as MappedFileError {
                        throw FileIOError(path: error.path, operation: "read", reason: error.reason)
                    } catch {
                        throw FileIOError(path: url.path, operation: "read \(entry.name)", reason: "\(error)")
                    }
                case .bytes(let bytes):
                    try bytes.withUnsafeBytes { raw in Result { () throws(FileIOError) in try emit(raw) } }.get()
                }
            }
            try file.commit()
        }
        return .init(bytes: plan.fileSize, sha256: FileDigest.hex(hasher.finalize()))
    }
}
