import Arbor
import Foundation
import SafeTensors

/// Reads one `State` item back from `tree.json` and its data files (format 1
/// or 2).
///
/// Tensors are zero-copy views of the memory-mapped data files where the
/// bytes asked for are stored contiguously (a whole leaf; a saved shard; a
/// row block of one), and otherwise assembled from only the overlapping byte
/// ranges of the saved regions. With `copy`, values are copied into memory and
/// the mapped pages read are released. Everything read is checked against
/// `tree.json` (dtype, shape, presence), so a damaged or hand-edited item fails
/// with an error naming the file and the path instead of producing a wrong State.
final class StateItemReader {
    /// The item's directory.
    let directory: URL
    /// The parsed `tree.json`.
    let tree: TreeFile
    let copy: Bool
    private let treeURL: URL
    /// Every leaf with an abstract value, from the checked `tree.json`.
    private let checkedState: State
    private var files: [String: SafeTensorsFile] = [:]
    /// Position of each leaf in `tree.leaves`.
    private let positions: [Path: Int]

    /// Parses `tree.json` of the item in `directory`; opens data files only when read.
    init(directory: URL, copy: Bool) throws(CheckpointError) {
        self.directory = directory
        self.copy = copy
        let treeURL = try CheckpointName.resolve(TreeFile.fileName, in: directory,
                                                 file: directory.appendingPathComponent(TreeFile.fileName).path)
        self.treeURL = treeURL
        guard let bytes = try fileSystem({ () throws(FileIOError) in try DurableFileSystem.contentsIfPresent(of: treeURL) }) else {
            throw .missingFile(path: treeURL.path)
        }
        let parsed: TreeFile
        do { parsed = try JSONDecoder().decode(TreeFile.self, from: Data(bytes)) } catch {
            throw .corrupt(path: treeURL.path, reason: "not a valid \(TreeFile.fileName): \(error)")
        }
        // Shapes, dtypes and aliases are checked before any of them sizes a box or a tensor.
        checkedState = try parsed.checkedAbstractState(path: treeURL.path)
        tree = parsed
        var positions: [Path: Int] = [:]
        for (index, leaf) in parsed.leaves.enumerated() { positions[Path(leaf.path)] = index }
        self.positions = positions
    }

    /// The leaf recorded at `path`, as written.
    func recordedLeaf(at path: Path) -> TreeFile.Leaf? { positions[path].map { tree.leaves[$0] } }

    /// The item exactly as saved, every leaf whole (gathered from its shards).
    static func read(from directory: URL, copy: Bool) throws(CheckpointError) -> State {
        let reader = try StateItemReader(directory: directory, copy: copy)
        var byPath: [Path: Tensor] = [:]
        var entries: [(Path, VariableState)] = []
        entries.reserveCapacity(reader.tree.leaves.count)
        for leaf in reader.tree.leaves {
            let path = Path(leaf.path)
            let dtype = try reader.dtype(of: leaf)
            let value: Tensor
            if let alias = leaf.aliasOf {
                guard let shared = byPath[Path(alias)], shared.shape == leaf.shape, shared.dtype == dtype else {
                    throw .corrupt(path: reader.treeURL.path, reason: "\(path): alias of \(Path(alias)) does not match an earlier leaf")
                }
                value = shared
            } else {
                value = try reader.region(IndexBox(covering: leaf.shape), of: leaf)
            }
            byPath[path] = value
            entries.append((path, VariableState(kind: VariableKind(leaf.kind), value: value,
                                                metadata: leaf.metadata ?? VariableMetadata())))
        }
        return try reader.makeState(entries)
    }

    /// Every leaf with an abstract value of its global shape: what validation
    /// against a target needs, without touching a data file.
    func abstractState() -> State { checkedState }

    /// The leaf stored at `path`, following an alias to the leaf holding the bytes.
    func storedLeaf(at path: Path) -> TreeFile.Leaf? {
        guard var leaf = recordedLeaf(at: path) else { return nil }
        if let alias = leaf.aliasOf, let target = recordedLeaf(at: Path(alias)) {
            leaf.file = target.file
            leaf.tensor = target.tensor
            leaf.shards = target.shards
            leaf.aliasOf = nil
        }
        return leaf
    }

    /// The leaf's dtype, or an error naming the path.
    func dtype(of leaf: TreeFile.Leaf) throws(CheckpointError) -> DType {
        guard let dtype = DType(safetensorsName: leaf.dtype) else {
            throw .corrupt(path: treeURL.path, reason: "\(Path(leaf.path)): unknown dtype \(leaf.dtype)")
        }
        return dtype
    }

    func makeState(_ entries: [(Path, VariableState)]) throws(CheckpointError) -> State {
        do { return try State(flat: entries) } catch {
            throw .corrupt(path: treeURL.path, reason: error.description)
        }
    }

    // MARK: - Regions

    /// The elements of `box` of a (non-alias) leaf.
    func region(_ box: IndexBox, of leaf: TreeFile.Leaf) throws(CheckpointError) -> Tensor {
        let path = Path(leaf.path)
        let dtype = try dtype(of: leaf)
        var sources: [ShardedTensor.Shard] = []
        for stored in try storedRegions(of: leaf) {
            guard let overlap = stored.box.intersection(box), overlap.elementCount > 0 else { continue }
            let (tensor, file, start) = try mapped(stored, dtype: dtype, path: path)
            if stored.box == box { return copy ? release(tensor.materialized(), from: [tensor]) : tensor }
            if stored.box.contains(box),
               let view = StateItemReader.contiguousView(box, in: stored.box, dtype: dtype, file: file, dataStart: start) {
                return copy ? release(view.materialized(), from: [view]) : view
            }
            sources.append(ShardedTensor.Shard(device: -1, box: stored.box, data: tensor))
        }
        do {
            let assembled = try ShardedTensor.assemble(box, dtype: dtype, from: sources)
            return release(assembled, from: sources.map(\.data))
        } catch {
            throw .corrupt(path: treeURL.path, reason: "\(path): the stored regions do not cover \(box): \(error)")
        }
    }

    /// Drops the pages `sources` brought into memory (their bytes were copied out).
    private func release(_ result: Tensor, from sources: [Tensor]) -> Tensor {
        for source in sources where source.isMemoryMapped { source.storage.releaseResidentPages() }
        return result
    }

    /// A zero-copy window when `box` is one contiguous run of the bytes of
    /// `stored` (a block of whole rows, for instance), else `nil`. Row-major:
    /// after the first dimension where the boxes differ every dimension must
    /// be whole, and before it the stored region must be one index thick.
    static func contiguousView(
        _ box: IndexBox, in stored: IndexBox, dtype: DType, file: SafeTensorsFile, dataStart: Int
    ) -> Tensor? {
        guard let size = dtype.byteSize, box.rank == stored.rank else { return nil }
        let first = (0..<box.rank).first { box.ranges[$0] != stored.ranges[$0] } ?? box.rank
        for later in box.ranges.indices where later > first && box.ranges[later] != stored.ranges[later] { return nil }
        for earlier in 0..<first where stored.ranges[earlier].count != 1 { return nil }
        var offset = 0, stride = 1
        for dimension in (0..<box.rank).reversed() {
            offset += (box.ranges[dimension].lowerBound - stored.ranges[dimension].lowerBound) * stride
            stride *= stored.ranges[dimension].count
        }
        let lower = dataStart + offset * size
        return try? Tensor(shape: box.shape, dtype: dtype, mapping: lower..<(lower + box.elementCount * size),
                           of: file.mapping)
    }

    /// One stored region of a leaf.
    struct StoredRegion {
        var box: IndexBox
        var fileName: String
        var tensorName: String
    }

    /// Where the leaf's bytes are: format 2 `shards`, or format 1 `file`/`tensor` (one region).
    func storedRegions(of leaf: TreeFile.Leaf) throws(CheckpointError) -> [StoredRegion] {
        let path = Path(leaf.path)
        if let shards = leaf.shards {
            var regions: [StoredRegion] = []
            for shard in shards {
                guard let box = shard.indexBox(inside: leaf.shape) else {
                    throw .corrupt(path: treeURL.path, reason: "\(path): shard box \(shard.box) is not inside \(leaf.shape)")
                }
                regions.append(StoredRegion(box: box, fileName: shard.file, tensorName: shard.tensor))
            }
            return regions
        }
        guard let fileName = leaf.file, let tensorName = leaf.tensor else {
            throw .corrupt(path: treeURL.path, reason: "\(path): no data file or tensor name recorded")
        }
        return [StoredRegion(box: IndexBox(covering: leaf.shape), fileName: fileName, tensorName: tensorName)]
    }

    /// The stored region's tensor (a zero-copy window of its mapped file), the
    /// file, and where the tensor's bytes start in it.
    private func mapped(
        _ region: StoredRegion, dtype: DType, path: Path
    ) throws(CheckpointError) -> (Tensor, SafeTensorsFile, Int) {
        let file = try open(region.fileName, path: path)
        guard let info = file.info(named: region.tensorName) else {
            throw .corrupt(path: file.url.path, reason: "\(path): tensor \"\(region.tensorName)\" is not in the file")
        }
        guard info.dtype == dtype, info.shape == region.box.shape else {
            throw .corrupt(path: file.url.path,
                           reason: "\(path): file has \(info.dtype) \(info.shape), tree.json says \(dtype) \(region.box.shape)")
        }
        do { return (try file.tensor(for: info), file, file.header.dataStart + info.dataOffsets.lowerBound) } catch {
            throw .corrupt(path: file.url.path, reason: error.description)
        }
    }

    private func open(_ fileName: String, path: Path) throws(CheckpointError) -> SafeTensorsFile {
        if let open = files[fileName] { return open }
        let url = try CheckpointName.resolve(fileName, in: directory, singleComponent: true, file: treeURL.path)
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: url) } catch {
            throw .corrupt(path: url.path, reason: error.description)
        }
        files[fileName] = file
        return file
    }
}
