import Arbor
import Foundation
import SafeTensors

/// Writes one `State` item: safetensors data files plus `tree.json`.
///
/// Leaves are packed into data files in path order, a new file starting when the
/// current one would exceed `maxFileBytes` (one leaf larger than that gets a file
/// of its own). Leaves whose tensors share storage (tied weights kept as one
/// buffer) are written once and recorded as aliases. Each data file's size and
/// SHA-256 are computed while it is written (`HashingSafeTensorsWriter`), so the
/// commit never reads the files back to checksum them.
enum StateItemWriter {
    /// Writes `state` into `directory` and returns the files written (relative to
    /// the item directory) with the size and digest of each data file.
    static func write(_ state: State, to directory: URL, maxFileBytes: Int)
        throws(CheckpointError) -> (files: [String], records: [String: CheckpointMetadata.FileRecord]) {
        var leaves: [TreeFile.Leaf] = []
        var groups: [[SafeTensorsEntry]] = [[]]
        var groupBytes = 0
        var shared = SharedStorageTracker()
        var usedNames: Set<String> = []

        for (path, leaf) in state.flat {
            let value = leaf.value
            guard !value.isAbstract else {
                throw .abstractValue(item: directory.lastPathComponent, path: path)
            }
            var record = TreeFile.Leaf(
                path: path.keys, kind: leaf.kind.name, dtype: value.dtype.safetensorsName, shape: value.shape,
                metadata: leaf.metadata.isEmpty ? nil : leaf.metadata)
            if let first = shared.alias(of: value, at: path) {
                record.aliasOf = first.keys
                leaves.append(record)
                continue
            }

            var name = path.description
            if name.isEmpty || name == "__metadata__" || usedNames.contains(name) { name = "\(name)#\(leaves.count)" }
            usedNames.insert(name)

            if groupBytes > 0, groupBytes + value.byteCount > maxFileBytes {
                groups.append([])
                groupBytes = 0
            }
            groups[groups.count - 1].append(SafeTensorsEntry(name: name, tensor: value))
            groupBytes += value.byteCount
            record.tensor = name
            record.file = "\(groups.count - 1)"   // resolved to a file name below
            leaves.append(record)
        }

        let fileNames = (0..<groups.count).map { index in
            String(format: "data-%05d-of-%05d.safetensors", index, groups.count)
        }
        for index in leaves.indices {
            if let group = leaves[index].file.flatMap(Int.init) { leaves[index].file = fileNames[group] }
        }
        var records: [String: CheckpointMetadata.FileRecord] = [:]
        for (index, entries) in groups.enumerated() {
            records[fileNames[index]] = try HashingSafeTensorsWriter.write(
                entries, to: directory.appendingPathComponent(fileNames[index]))
        }

        let tree = TreeFile(leaves: leaves)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(tree) } catch {
            throw .json(file: directory.appendingPathComponent(TreeFile.fileName).path, reason: "\(error)")
        }
        try fileSystem { () throws(FileIOError) in
            try AtomicFile.write(data, to: directory.appendingPathComponent(TreeFile.fileName))
        }
        return (fileNames + [TreeFile.fileName], records)
    }
}
