import Arbor
import Foundation

extension TreeFile {
    /// Parses `tree.json` bytes and checks what can be checked without the data
    /// files: the version, every dtype, shape and alias, and that the paths form a
    /// tree. The result is the item's State with abstract values.
    ///
    /// This is the part of a restore that sees raw file contents, kept separate
    /// so it can be fuzzed without touching the disk.
    package static func abstractState(decoding data: Data, path: String) throws(CheckpointError) -> State {
        let tree: TreeFile
        do { tree = try JSONDecoder().decode(TreeFile.self, from: data) } catch {
            throw .corrupt(path: path, reason: "not a valid \(fileName): \(error)")
        }
        return try tree.checkedAbstractState(path: path)
    }

    /// The version, every dtype, shape and alias checked, and the item's State
    /// with abstract values; `path` names `tree.json` in errors. Everything
    /// that reads a `tree.json` goes through here before using a shape, so a
    /// negative or overflowing dimension is an error, never a trap.
    func checkedAbstractState(path: String) throws(CheckpointError) -> State {
        let tree = self
        guard tree.formatVersion <= TreeFile.currentFormatVersion else {
            throw .unsupportedVersion(path: path, version: tree.formatVersion, supported: TreeFile.currentFormatVersion)
        }
        var shapes: [Path: (shape: [Int], dtype: DType)] = [:]
        var entries: [(Path, VariableState)] = []
        for leaf in tree.leaves {
            let leafPath = Path(leaf.path)
            guard let dtype = DType(safetensorsName: leaf.dtype) else {
                throw .corrupt(path: path, reason: "\(leafPath): unknown dtype \(leaf.dtype)")
            }
            guard leaf.shape.allSatisfy({ $0 >= 0 }), let count = Tensor.checkedElementCount(of: leaf.shape),
                  dtype.byteCount(forElements: count) != nil else {
                throw .corrupt(path: path, reason: "\(leafPath): invalid shape \(leaf.shape) for \(dtype)")
            }
            if let alias = leaf.aliasOf {
                guard let shared = shapes[Path(alias)], shared.shape == leaf.shape, shared.dtype == dtype else {
                    throw .corrupt(path: path, reason: "\(leafPath): alias of \(Path(alias)) does not match an earlier leaf")
                }
            }
            shapes[leafPath] = (leaf.shape, dtype)
            entries.append((leafPath, VariableState(kind: VariableKind(leaf.kind),
                                                    value: Tensor.abstract(shape: leaf.shape, dtype: dtype),
                                                    metadata: leaf.metadata ?? VariableMetadata())))
        }
        do { return try State(flat: entries) } catch {
            throw .corrupt(path: path, reason: error.description)
        }
    }
}
