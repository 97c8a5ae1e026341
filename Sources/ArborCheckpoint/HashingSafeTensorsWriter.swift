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
        let digest = try fileSystem { () throws(FileIOError) in
            let writer = try HashingFileWriter(destination: url, expectedBytes: plan.fileSize)
            try SafeTensorsWriter.emit(plan) { (bytes) throws(FileIOError) in try writer.write(bytes) }
            return try writer.commit()
        }
        return .init(bytes: plan.fileSize, sha256: FileDigest.hex(digest))
    }
}
