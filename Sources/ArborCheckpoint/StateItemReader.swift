import Arbor
import Foundation
import SafeTensors

/// Reads one `State` item back from `tree.json` and its data files.
///
/// Tensors are zero-copy views of the memory-mapped data files unless `copy` is
/// set. Everything read is checked against `tree.json` (dtype, shape, presence),
/// so a damaged or hand-edited item fails with an error naming the file and the
/// path instead of producing a wrong State.
enum StateItemReader {
    static func read(from directory: URL, copy: Bool) throws(CheckpointError) -> State {
        let treeURL = directory.appendingPathComponent(TreeFile.fileName)
        guard let bytes = try fileSystem({ () throws(FileIOError) in try DurableFileSystem.contentsIfPresent(of: treeURL) }) else {
            throw .missingFile(path: treeURL.path)
        }
        let data = Data(bytes)
        let tree: TreeFile
        do { tree = try JSONDecoder().decode(TreeFile.self, from: data) } catch {
            throw .corrupt(path: treeURL.path, reason: "not a valid \(TreeFile.fileName): \(error)")
        }
        guard tree.formatVersion <= TreeFile.currentFormatVersion else {
            throw .unsupportedVersion(path: treeURL.path, version: tree.formatVersion,
                                      supported: TreeFile.currentFormatVersion)
        }

        var files: [String: SafeTensorsFile] = [:]
        var byPath: [Path: Tensor] = [:]
        var entries: [(Path, VariableState)] = []
        entries.reserveCapacity(tree.leaves.count)
        for leaf in tree.leaves {
            let path = Path(leaf.path)
            guard let dtype = DType(safetensorsName: leaf.dtype) else {
                throw .corrupt(path: treeURL.path, reason: "\(path): unknown dtype \(leaf.dtype)")
            }
            let value: Tensor
            if let alias = leaf.aliasOf {
                guard let shared = byPath[Path(alias)], shared.shape == leaf.shape, shared.dtype == dtype else {
                    throw .corrupt(path: treeURL.path, reason: "\(path): alias of \(Path(alias)) does not match an earlier leaf")
                }
                value = shared
            } else {
                guard let fileName = leaf.file, let tensorName = leaf.tensor,
                      !fileName.contains("/"), !fileName.hasPrefix(".") else {
                    throw .corrupt(path: treeURL.path, reason: "\(path): no data file or tensor name recorded")
                }
                let file: SafeTensorsFile
                if let open = files[fileName] {
                    file = open
                } else {
                    let url = directory.appendingPathComponent(fileName)
                    do { file = try SafeTensorsFile(contentsOf: url) } catch {
                        throw .corrupt(path: url.path, reason: error.description)
                    }
                    files[fileName] = file
                }
                guard let info = file.info(named: tensorName) else {
                    throw .corrupt(path: file.url.path, reason: "\(path): tensor \"\(tensorName)\" is not in the file")
                }
                guard info.dtype == dtype, info.shape == leaf.shape else {
                    throw .corrupt(path: file.url.path,
                                   reason: "\(path): file has \(info.dtype) \(info.shape), tree.json says \(dtype) \(leaf.shape)")
                }
                do { value = try file.tensor(for: info) } catch {
                    throw .corrupt(path: file.url.path, reason: error.description)
                }
            }
            // Aliases reuse the (possibly copied) tensor of their first path, so
            // shared bytes stay shared either way.
            let tensor = copy && leaf.aliasOf == nil ? value.materialized() : value
            byPath[path] = tensor
            entries.append((path, VariableState(kind: VariableKind(leaf.kind), value: tensor,
                                                metadata: leaf.metadata ?? VariableMetadata())))
        }
        do {
            return try State(flat: entries)
        } catch {
            throw .corrupt(path: treeURL.path, reason: error.description)
        }
    }
}
