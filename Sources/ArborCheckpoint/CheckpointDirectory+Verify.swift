import Foundation
import SafeTensors

extension CheckpointDirectory {
    /// Recomputes every file's SHA-256 for `step` and compares with
    /// `checkpoint.json`. Returns one error per damaged or missing file (empty when
    /// the step is intact), each naming the file.
    public func verify(step: Int) throws(CheckpointError) -> [CheckpointError] {
        let entry = try completeEntry(step: step)
        guard let metadata = entry.metadata else { throw .noSuchStep(directory: url.path, step: step) }
        return CheckpointDirectory.verify(metadata, in: entry.url)
    }

    /// Checks the files of one step directory against its metadata.
    static func verify(_ metadata: CheckpointMetadata, in directory: URL) -> [CheckpointError] {
        var problems: [CheckpointError] = []
        for (relative, record) in metadata.files.sorted(by: { $0.key < $1.key }) {
            let file: URL
            do {
                file = try CheckpointName.resolve(relative, in: directory,
                                                  file: directory.appendingPathComponent(CheckpointMetadata.fileName).path)
            } catch {
                problems.append(error)
                continue
            }
            guard DurableFileSystem.size(of: file) == record.bytes else {
                problems.append(.missingFile(path: file.path))
                continue
            }
            do {
                let digest = try FileDigest.sha256(of: file)
                if digest.sha256 != record.sha256 {
                    problems.append(.checksumMismatch(path: file.path, expected: record.sha256, actual: digest.sha256))
                }
            } catch {
                problems.append(error)
            }
        }
        return problems
    }
}
