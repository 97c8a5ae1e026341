import Arbor
import SafeTensors

/// Who writes which bytes of a `State` item in a multi-process save (format 2).
///
/// Every process computes the same plan from its own view of the state (the
/// same paths, shapes and shardings on every rank), so no layout has to be
/// exchanged: the primary writes `tree.json` from its plan, each process writes
/// its part. Each distinct region is written once: a sharded leaf's region by
/// one of the processes holding it, a whole (replicated) leaf by one process.
/// Writers are chosen greedily by bytes assigned so far (ties to the lower
/// rank), so replicated leaves and replicas spread over the processes instead
/// of all landing on the primary.
struct ShardedWritePlan {
    /// The item's leaves as `tree.json` records them.
    var leaves: [TreeFile.Leaf]
    /// What this process writes into its own data file.
    var entries: [SafeTensorsEntry]

    /// The data file process `process` of `count` writes for an item.
    static func fileName(process: Int, of count: Int) -> String {
        "process-\(padded(process))-of-\(padded(count)).safetensors"
    }

    private static func padded(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// The plan for `state` (item `item`) saved by `processCount` processes, seen from `rank`.
    init(_ state: State, item: String, rank: Int, processCount: Int) throws(CheckpointError) {
        var load = Array(repeating: 0, count: processCount)
        var usedNames = Array(repeating: Set<String>(), count: processCount)
        var shared = SharedStorageTracker()
        leaves = []
        entries = []

        func writer(among candidates: Set<Int>, bytes: Int) -> Int {
            let chosen = candidates.min { (load[$0], $0) < (load[$1], $1) } ?? 0
            load[chosen] += bytes
            return chosen
        }
        func uniqueName(_ base: String, process: Int, index: Int) -> String {
            var name = base
            if name.isEmpty || name == "__metadata__" || usedNames[process].contains(name) { name = "\(base)#\(index)" }
            usedNames[process].insert(name)
            return name
        }

        for (index, (path, leaf)) in state.flat.enumerated() {
            let dtype = leaf.dtype
            var record = TreeFile.Leaf(
                path: path.keys, kind: leaf.kind.name, dtype: dtype.safetensorsName, shape: leaf.shape,
                metadata: leaf.metadata.isEmpty ? nil : leaf.metadata)
            var shards: [SavedShard] = []
            if let sharded = leaf.sharded {
                let mesh = sharded.sharding.mesh
                guard mesh.processCount == processCount else {
                    throw .sharding(path: "\(item)/\(path)",
                                    reason: "sharded over a mesh of \(mesh.processCount) processes, but \(processCount) are saving")
                }
                record.sharding = SavedSharding(sharded.sharding)
                var order: [IndexBox] = []
                var devicesByBox: [IndexBox: [Int]] = [:]
                for device in 0..<mesh.deviceCount {
                    let box = sharded.sharding.box(forDevice: device, globalShape: sharded.globalShape)
                    if devicesByBox[box] == nil { order.append(box) }
                    devicesByBox[box, default: []].append(device)
                }
                for box in order where box.elementCount > 0 {
                    let devices = devicesByBox[box] ?? []
                    let process = writer(among: Set(devices.map(mesh.process(ofDevice:))),
                                         bytes: dtype.byteCount(forElements: box.elementCount) ?? 0)
                    let name = uniqueName("\(path)@\(Self.label(box))", process: process, index: index)
                    shards.append(SavedShard(box: box, file: Self.fileName(process: process, of: processCount),
                                             tensor: name, process: process, devices: devices))
                    guard process == rank else { continue }
                    guard let data = sharded.addressableShards.first(where: { $0.box == box })?.data, !data.isAbstract else {
                        throw .sharding(path: "\(item)/\(path)",
                                        reason: "process \(rank) should write region \(box) but holds no such shard")
                    }
                    entries.append(SafeTensorsEntry(name: name, tensor: data))
                }
            } else {
                let value = leaf.value
                guard !value.isAbstract else { throw .abstractValue(item: item, path: path) }
                if let first = shared.alias(of: value, at: path) {
                    record.aliasOf = first.keys
                    leaves.append(record)
                    continue
                }
                let box = IndexBox(covering: value.shape)
                if box.elementCount > 0 {
                    let process = writer(among: Set(0..<processCount), bytes: value.byteCount)
                    let name = uniqueName(path.description, process: process, index: index)
                    shards.append(SavedShard(box: box, file: Self.fileName(process: process, of: processCount),
                                             tensor: name, process: process, devices: nil))
                    if process == rank { entries.append(SafeTensorsEntry(name: name, tensor: value)) }
                }
            }
            record.shards = shards
            leaves.append(record)
        }
    }

    /// `0:3,0:4` for a box, as used in tensor names.
    static func label(_ box: IndexBox) -> String {
        box.ranges.map { "\($0.lowerBound):\($0.upperBound)" }.joined(separator: ",")
    }
}
