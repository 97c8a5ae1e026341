extension State {
    /// Every leaf's sharding spec (`nil` when it has none), in path order, as
    /// Flax's `nnx.get_partition_spec`.
    public var shardingSpecs: [(path: Path, spec: ShardingSpec?)] {
        zip(paths, leaves).map { (path: $0, spec: $1.metadata.sharding) }
    }

    /// Every leaf split over `mesh` by its own spec; an error names the leaf.
    public func sharded(over mesh: Mesh) throws(ShardingError) -> State {
        try map { (path, leaf) throws(ShardingError) in
            do throws(ShardingError) { return try leaf.sharded(over: mesh) } catch { throw .atPath(path, error) }
        }
    }

    /// Every leaf with its whole value, from this process's shards.
    public func gathered() throws(ShardingError) -> State {
        try map { (path, leaf) throws(ShardingError) in
            do throws(ShardingError) { return try leaf.gathered() } catch { throw .atPath(path, error) }
        }
    }

    /// Bytes this process holds over all leaves (shards, concrete values).
    public var residentByteCount: Int { leaves.reduce(0) { $0 + $1.residentByteCount } }
}
