import Arbor
import Foundation

/// How one leaf of a `State` item is stored: its global shape and dtype, the
/// sharding it had when saved, and where each region of its bytes is — which
/// file, which tensor in it, and which process wrote it. Read from
/// `tree.json` alone (no data file is opened), for tools such as
/// `arbor inspect`.
///
/// ```swift
/// for leaf in try checkpoint.layout("params") {
///     print(leaf.path, leaf.shape, leaf.spec.map(\.description) ?? "whole", leaf.regions.count)
/// }
/// ```
public struct StoredLeaf: Sendable, Equatable {
    /// One stored region of the leaf.
    public struct Region: Sendable, Equatable {
        /// Where the region sits in the global array.
        public var box: IndexBox
        /// The data file, relative to the item's directory.
        public var file: String
        /// The tensor's name inside `file`.
        public var tensor: String
        /// The process that wrote it (`nil` in format 1, written by one process).
        public var process: Int?
    }

    /// The leaf's path.
    public var path: Path
    /// The variable kind's registered name.
    public var kind: String
    /// The safetensors dtype name (`F32`, `BF16`, …).
    public var dtype: String
    /// The global shape.
    public var shape: [Int]
    /// The sharding spec the leaf was saved with, if it was sharded.
    public var spec: ShardingSpec?
    /// The saving mesh's axes and sizes, in order (empty when not sharded).
    public var meshAxes: [(name: String, size: Int)]
    /// The leaf whose bytes this one shares (tied weights), if any.
    public var aliasOf: Path?
    /// Where the bytes are (empty for an alias or an empty leaf).
    public var regions: [Region]

    public static func == (lhs: StoredLeaf, rhs: StoredLeaf) -> Bool {
        lhs.path == rhs.path && lhs.kind == rhs.kind && lhs.dtype == rhs.dtype && lhs.shape == rhs.shape
            && lhs.spec == rhs.spec && lhs.meshAxes.map(\.name) == rhs.meshAxes.map(\.name)
            && lhs.meshAxes.map(\.size) == rhs.meshAxes.map(\.size) && lhs.aliasOf == rhs.aliasOf
            && lhs.regions == rhs.regions
    }
}

extension Checkpoint {
    /// How every leaf of the `State` item `name` is stored, in path order.
    public func layout(_ name: String) throws(CheckpointError) -> [StoredLeaf] {
        guard let item = metadata.items[name] else {
            throw .noSuchItem(path: url.path, item: name, available: itemNames)
        }
        guard item.kind == .state else {
            throw .wrongItemKind(path: url.path, item: name, expected: "state", actual: item.kind.rawValue)
        }
        let reader = try StateItemReader(directory: url.appendingPathComponent(name, isDirectory: true), copy: false)
        var result: [StoredLeaf] = []
        for leaf in reader.tree.leaves {
            var regions: [StoredLeaf.Region] = []
            if leaf.aliasOf == nil {
                let processes = leaf.shards?.map(\.process)
                for (index, region) in try reader.storedRegions(of: leaf).enumerated() {
                    regions.append(.init(box: region.box, file: region.fileName, tensor: region.tensorName,
                                         process: processes?[index]))
                }
            }
            let axes = leaf.sharding.map { Array(zip($0.meshAxes, $0.meshSizes)).map { (name: $0.0, size: $0.1) } } ?? []
            result.append(StoredLeaf(path: Path(leaf.path), kind: leaf.kind, dtype: leaf.dtype, shape: leaf.shape,
                                     spec: leaf.sharding?.spec, meshAxes: axes, aliasOf: leaf.aliasOf.map(Path.init),
                                     regions: regions))
        }
        return result
    }

    /// The number of processes that wrote the checkpoint (1 for format 1).
    public var processCount: Int { metadata.processCount }
}
