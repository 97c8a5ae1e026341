import ArborTensor
import Foundation
import SafeTensors

/// Writes a safetensors data file durably and returns its size and SHA-256.
///
/// The digest is computed from the bytes being written, on a second thread
/// and in step with the writes (`HashingFileWriter`), so a save never reads
/// its own files back to checksum them and hashing adds no pass over the
/// data. Used by every checkpoint save, single- and multi-process.
enum HashingSafeTensorsWriter {
    static func write(_ entries: [SafeTensorsEntry], to url: URL) throws(CheckpointError) -> CheckpointMetadata.FileRecord {
        let plan: SafeTensorsWriter.Plan
        do { plan = try SafeTensorsWriter.makePlan(entries: entries, metadata: ["format": "arbor"], file: url.path) } catch {
            throw .safeTensors(error)
        }
        let prefix = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(plan.header.count) >> (8 * UInt64($0))) }
        let digest = try fileSystem { () throws(FileIOError) in
            let writer = try HashingFileWriter(destination: url, expectedBytes: plan.fileSize)
            try (prefix + plan.header).withUnsafeBytes { raw in Result { () throws(FileIOError) in try writer.write(raw) } }.get()
            for entry in plan.entries {
                switch entry.payload {
                case .tensor(let tensor):
                    do {
                        try tensor.forEachByteChunk(maxBytes: PipelinedHasher.chunkBytes) { raw in
                            try Result { () throws(FileIOError) in try writer.write(raw) }.get()
                        }
                    } catch let error as FileIOError {
                        throw error
                    } catch let error as MappedFileError {
                        throw FileIOError(path: error.path, operation: "read", reason: error.reason)
                    } catch {
                        throw FileIOError(path: url.path, operation: "read \(entry.name)", reason: "\(error)")
                    }
                case .bytes(let bytes):
                    try bytes.withUnsafeBytes { raw in Result { () throws(FileIOError) in try writer.write(raw) } }.get()
                }
            }
            return try writer.commit()
        }
        return .init(bytes: plan.fileSize, sha256: FileDigest.hex(digest))
    }
}
