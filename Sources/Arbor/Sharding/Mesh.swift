/// Named axes over devices, with the process that owns each device.
///
/// A device is a holder of one shard (a CPU memory region), owned by one
/// process; a process may own several. Devices are numbered row-major over the
/// axes in the order given, and by default split into equal contiguous blocks
/// over the processes (process `p` owns devices `p·k ..< (p+1)·k`). A `Mesh`
/// is one process's view: it also knows which process it is.
///
/// ```swift
/// let mesh = try Mesh(["data": 2, "fsdp": 4], processIndex: rank, processCount: 8)
/// mesh.deviceCount            // 8
/// mesh.addressableDevices     // [rank]
/// ```
public struct Mesh: Hashable, Sendable, CustomStringConvertible {
    /// Axis names, major first.
    public let axisNames: [String]
    /// Size of each axis.
    public let axisSizes: [Int]
    /// The process this view belongs to.
    public let processIndex: Int
    /// Number of processes sharing the mesh.
    public let processCount: Int
    /// The owning process of each device.
    public let deviceProcesses: [Int]

    /// A mesh from ordered `name: size` pairs (a dictionary literal keeps its order here).
    public init(
        _ axes: KeyValuePairs<String, Int>, processIndex: Int = 0, processCount: Int = 1
    ) throws(ShardingError) {
        try self.init(axisNames: axes.map(\.key), axisSizes: axes.map(\.value),
                      processIndex: processIndex, processCount: processCount)
    }

    /// A mesh from parallel lists; `deviceProcesses` (one owner per device)
    /// defaults to equal contiguous blocks per process.
    public init(
        axisNames: [String], axisSizes: [Int], processIndex: Int = 0, processCount: Int = 1,
        deviceProcesses: [Int]? = nil
    ) throws(ShardingError) {
        guard axisNames.count == axisSizes.count else {
            throw .invalidMesh("\(axisNames.count) axis names but \(axisSizes.count) sizes")
        }
        guard Set(axisNames).count == axisNames.count, axisNames.allSatisfy({ !$0.isEmpty }) else {
            throw .invalidMesh("axis names must be distinct and non-empty: \(axisNames)")
        }
        guard axisSizes.allSatisfy({ $0 >= 1 }) else { throw .invalidMesh("axis sizes must be at least 1: \(axisSizes)") }
        guard processCount >= 1, (0..<processCount).contains(processIndex) else {
            throw .invalidMesh("process \(processIndex) of \(processCount)")
        }
        var devices = 1
        for size in axisSizes {
            let (product, overflow) = devices.multipliedReportingOverflow(by: size)
            guard !overflow, product <= 1 << 24 else { throw .invalidMesh("too many devices: \(axisSizes)") }
            devices = product
        }
        let owners: [Int]
        if let deviceProcesses {
            guard deviceProcesses.count == devices,
                  deviceProcesses.allSatisfy({ (0..<processCount).contains($0) }) else {
                throw .invalidMesh("deviceProcesses needs \(devices) owners in 0..<\(processCount)")
            }
            owners = deviceProcesses
        } else {
            guard devices % processCount == 0 else {
                throw .invalidMesh("\(devices) devices do not split evenly over \(processCount) processes; pass deviceProcesses")
            }
            let perProcess = devices / processCount
            owners = (0..<devices).map { $0 / perProcess }
        }
        self.axisNames = axisNames
        self.axisSizes = axisSizes
        self.processIndex = processIndex
        self.processCount = processCount
        self.deviceProcesses = owners
    }

    /// Number of devices (the product of the axis sizes).
    public var deviceCount: Int { deviceProcesses.count }

    /// The size of `axis`, or `nil` when the mesh has no such axis.
    public func size(of axis: String) -> Int? { axisNames.firstIndex(of: axis).map { axisSizes[$0] } }

    /// A device's coordinate on each axis (row-major numbering).
    public func coordinates(ofDevice device: Int) -> [Int] {
        var rest = device
        var result = Array(repeating: 0, count: axisSizes.count)
        for axis in axisSizes.indices.reversed() {
            result[axis] = rest % axisSizes[axis]
            rest /= axisSizes[axis]
        }
        return result
    }

    /// The process that owns `device`.
    public func process(ofDevice device: Int) -> Int { deviceProcesses[device] }

    /// The devices this process owns, in order.
    public var addressableDevices: [Int] { deviceProcesses.indices.filter { deviceProcesses[$0] == processIndex } }

    /// The same mesh seen from another process.
    public func viewed(fromProcess index: Int) throws(ShardingError) -> Mesh {
        try Mesh(axisNames: axisNames, axisSizes: axisSizes, processIndex: index,
                 processCount: processCount, deviceProcesses: deviceProcesses)
    }

    /// `Mesh(data: 2, fsdp: 4; process 0 of 1)`.
    public var description: String {
        let axes = zip(axisNames, axisSizes).map { "\($0): \($1)" }.joined(separator: ", ")
        return "Mesh(\(axes); process \(processIndex) of \(processCount))"
    }
}
