import ArborTensor

/// A tensor split over a mesh: its global shape and dtype, its sharding, and
/// the shards this process holds.
///
/// Devices with the same box (replicas) in one process share one `Tensor`
/// (copy-on-write), so a process's memory holds each distinct region once.
///
/// ```swift
/// let sharded = try ShardedTensor(tensor, sharding: try Sharding(mesh: mesh, spec: ["fsdp", nil]))
/// sharded.addressableShards[0].box     // this process's rows
/// let whole = try sharded.gathered()   // when every shard is here (one process)
/// ```
public struct ShardedTensor: Equatable, Sendable, CustomStringConvertible {
    /// One device's part of the global array.
    public struct Shard: Equatable, Sendable {
        /// The device (row-major mesh index) holding it.
        public let device: Int
        /// Where it sits in the global array.
        public let box: IndexBox
        /// Its elements, of shape `box.shape`.
        public var data: Tensor

        /// A shard; `data` must have `box.shape`.
        public init(device: Int, box: IndexBox, data: Tensor) {
            self.device = device
            self.box = box
            self.data = data
        }
    }

    /// The shape of the whole array.
    public let globalShape: [Int]
    /// The element type.
    public let dtype: DType
    /// Where each element lives.
    public let sharding: Sharding
    /// The shards of the devices this process owns, in device order.
    public private(set) var addressableShards: [Shard]

    /// Wraps shards already cut (for example received from other processes or
    /// read from a checkpoint); checks each against the sharding.
    public init(globalShape: [Int], dtype: DType, sharding: Sharding, addressableShards: [Shard]) throws(ShardingError) {
        try sharding.validate(shape: globalShape, dtype: dtype)
        for shard in addressableShards {
            guard (0..<sharding.mesh.deviceCount).contains(shard.device) else {
                throw .shardMismatch("device \(shard.device) is not in \(sharding.mesh)")
            }
            let box = sharding.box(forDevice: shard.device, globalShape: globalShape)
            guard shard.box == box, shard.data.shape == box.shape, shard.data.dtype == dtype else {
                throw .shardMismatch("device \(shard.device) should hold \(dtype) \(box), got \(shard.data.dtype) \(shard.box)")
            }
        }
        self.globalShape = globalShape
        self.dtype = dtype
        self.sharding = sharding
        self.addressableShards = addressableShards.sorted { $0.device < $1.device }
    }

    /// Cuts a whole tensor (present on this process) into the shards of this
    /// process's devices.
    public init(_ tensor: Tensor, sharding: Sharding) throws(ShardingError) {
        guard !tensor.isAbstract else { throw .abstractValue(shape: tensor.shape) }
        let source = ShardedTensor.Shard(device: -1, box: IndexBox(covering: tensor.shape), data: tensor)
        try self.init(cutting: [source], globalShape: tensor.shape, dtype: tensor.dtype, sharding: sharding)
    }

    /// This process's shards under `sharding`, cut from `sources` (shards of
    /// any layout that together cover what is needed).
    init(cutting sources: [Shard], globalShape: [Int], dtype: DType, sharding: Sharding) throws(ShardingError) {
        try sharding.validate(shape: globalShape, dtype: dtype)
        var byBox: [IndexBox: Tensor] = [:]
        var shards: [Shard] = []
        for device in sharding.mesh.addressableDevices {
            let box = sharding.box(forDevice: device, globalShape: globalShape)
            let data: Tensor
            if let existing = byBox[box] {
                data = existing
            } else {
                data = try ShardedTensor.assemble(box, dtype: dtype, from: sources)
                byBox[box] = data
            }
            shards.append(Shard(device: device, box: box, data: data))
        }
        self.globalShape = globalShape
        self.dtype = dtype
        self.sharding = sharding
        self.addressableShards = shards
    }

    /// The elements of `box`, copied from `sources` (which must cover it; a
    /// source whose box equals `box` is returned without copying).
    public static func assemble(_ box: IndexBox, dtype: DType, from sources: [Shard]) throws(ShardingError) -> Tensor {
        if let exact = sources.first(where: { $0.box == box }) { return exact.data }
        var distinct: [Shard] = []
        var seen = Set<IndexBox>()
        for source in sources where seen.insert(source.box).inserted { distinct.append(source) }
        var result = Tensor(zeros: box.shape, dtype: dtype)
        var covered = 0
        for source in distinct {
            guard let region = source.box.intersection(box), region.elementCount > 0 else { continue }
            guard !source.data.isAbstract else { throw .abstractValue(shape: source.data.shape) }
            BoxCopy.copy(region: region, from: source.data, box: source.box, into: &result, box: box)
            covered += region.elementCount
        }
        guard covered == box.elementCount else {
            throw .notAddressable(box: box, reason: "\(covered) of \(box.elementCount) elements are in the given shards")
        }
        return result
    }

    /// The whole tensor, from this process's shards; throws when they do not
    /// cover it (several processes: use a process group's gather instead).
    public func gathered() throws(ShardingError) -> Tensor {
        try ShardedTensor.assemble(IndexBox(covering: globalShape), dtype: dtype, from: addressableShards)
    }

    /// The same values under another sharding (same global shape), cut from
    /// this process's shards; throws when they lack a region the new layout
    /// puts on this process.
    public func resharded(to target: Sharding) throws(ShardingError) -> ShardedTensor {
        try ShardedTensor(cutting: addressableShards, globalShape: globalShape, dtype: dtype, sharding: target)
    }

    /// A shape-and-dtype stand-in for the whole array (no bytes).
    public var abstractValue: Tensor { Tensor.abstract(shape: globalShape, dtype: dtype) }

    /// Bytes this process holds for the tensor (shared replicas counted once).
    public var residentByteCount: Int {
        var seen = Set<ObjectIdentifier>()
        var total = 0
        for shard in addressableShards where !shard.data.isAbstract
            && seen.insert(ObjectIdentifier(shard.data.storage)).inserted {
            total += shard.data.byteCount
        }
        return total
    }

    /// `ShardedTensor(F32 [10, 4], (fsdp, _), 1 of 4 shards here)`.
    public var description: String {
        "ShardedTensor(\(dtype) \(globalShape), \(sharding.spec), \(addressableShards.count) of \(sharding.mesh.deviceCount) shards here)"
    }
}
