import Arbor

/// Format 2 `tree.json`: one stored region of a leaf (`shards` entry).
///
/// `box` is the region's `[lower, upper)` per dimension in the global array,
/// `file` the data file (relative to the item directory), `tensor` its name in
/// that file, `process` the rank that wrote it, `devices` the mesh devices that
/// held this region when it was saved (replicas are stored once).
struct SavedShard: Codable, Sendable, Equatable {
    var box: [[Int]]
    var file: String
    var tensor: String
    var process: Int
    var devices: [Int]?

    init(box: IndexBox, file: String, tensor: String, process: Int, devices: [Int]?) {
        self.box = box.ranges.map { [$0.lowerBound, $0.upperBound] }
        self.file = file
        self.tensor = tensor
        self.process = process
        self.devices = devices
    }

    /// The box, or `nil` when the stored ranges are malformed or leave `shape`.
    func indexBox(inside shape: [Int]) -> IndexBox? {
        guard box.count == shape.count else { return nil }
        var ranges: [Range<Int>] = []
        for (pair, extent) in zip(box, shape) {
            guard pair.count == 2, pair[0] >= 0, pair[0] <= pair[1], pair[1] <= extent else { return nil }
            ranges.append(pair[0]..<pair[1])
        }
        return IndexBox(ranges)
    }
}

/// Format 2 `tree.json`: the sharding a leaf had when saved — its spec and the
/// mesh (axes, sizes, the process owning each device).
struct SavedSharding: Codable, Sendable, Equatable {
    var spec: ShardingSpec
    var meshAxes: [String]
    var meshSizes: [Int]
    var deviceProcesses: [Int]
    var processCount: Int

    init(_ sharding: Sharding) {
        spec = sharding.spec
        meshAxes = sharding.mesh.axisNames
        meshSizes = sharding.mesh.axisSizes
        deviceProcesses = sharding.mesh.deviceProcesses
        processCount = sharding.mesh.processCount
    }

    enum CodingKeys: String, CodingKey {
        case spec, meshAxes = "mesh_axes", meshSizes = "mesh_sizes", deviceProcesses = "device_processes",
             processCount = "process_count"
    }
}
