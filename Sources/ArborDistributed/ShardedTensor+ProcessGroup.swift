import Arbor
import ArborTensor

extension ShardedTensor {
    /// Every process's shards, exchanged over `group` (one all-gather).
    public func allShards(group: some ProcessGroup) throws(ProcessGroupError) -> [Shard] {
        var writer = WireFormat.Writer()
        writer.shards(addressableShards)
        var result: [Shard] = []
        for part in try group.allGather(bytes: writer.bytes) {
            var reader = WireFormat.Reader(part)
            result.append(contentsOf: try reader.shards())
        }
        return result
    }

    /// The whole tensor on every rank, from every process's shards.
    public func gathered(group: some ProcessGroup) throws -> Tensor {
        try ShardedTensor.assemble(IndexBox(covering: globalShape), dtype: dtype, from: try allShards(group: group))
    }

    /// The same values under `target`, each process keeping what the new
    /// layout puts on it (shards are exchanged over `group`).
    public func resharded(to target: Sharding, group: some ProcessGroup) throws -> ShardedTensor {
        let whole = try gathered(group: group)
        return try ShardedTensor(whole, sharding: target)
    }
}

extension VariableState {
    /// The leaf with its whole value on every rank (a no-op when not sharded).
    public func gathered(group: some ProcessGroup) throws -> VariableState {
        guard let sharded else { return self }
        var copy = self
        copy.value = try sharded.gathered(group: group)
        copy.sharded = nil
        return copy
    }
}

extension State {
    /// Every leaf with its whole value on every rank.
    public func gathered(group: some ProcessGroup) throws -> State {
        try map { _, leaf in try leaf.gathered(group: group) }
    }
}

extension Mesh {
    /// A mesh whose processes are `group`'s ranks (this process is `group.rank`).
    ///
    /// ```swift
    /// let mesh = try Mesh(["fsdp": group.size], group: group)
    /// ```
    public init(_ axes: KeyValuePairs<String, Int>, group: some ProcessGroup) throws(ShardingError) {
        try self.init(axes, processIndex: group.rank, processCount: group.size)
    }
}
