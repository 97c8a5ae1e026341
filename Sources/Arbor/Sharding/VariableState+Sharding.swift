import ArborTensor

extension VariableState {
    /// This leaf split over `mesh` by its own spec (`metadata.sharding`): the
    /// FSDP pattern's step, as in Flax's `state.map` over partition specs.
    ///
    /// A leaf without a spec, or with a fully replicated one, comes back
    /// unchanged (a replicated value is an ordinary tensor on every process).
    /// An already sharded leaf is resharded from the shards this process holds.
    ///
    /// ```swift
    /// let sharded = try state.map { _, leaf in try leaf.sharded(over: mesh) }
    /// ```
    public func sharded(over mesh: Mesh) throws(ShardingError) -> VariableState {
        guard let spec = metadata.sharding, !spec.isReplicated else {
            return sharded == nil ? self : try gathered()
        }
        return try sharded(try Sharding(mesh: mesh, spec: spec))
    }

    /// This leaf laid out by `sharding` (its spec is recorded in the metadata).
    public func sharded(_ sharding: Sharding) throws(ShardingError) -> VariableState {
        let layout: ShardedTensor
        if let current = self.sharded {
            layout = try current.resharded(to: sharding)
        } else {
            layout = try ShardedTensor(value, sharding: sharding)
        }
        var copy = self
        copy.value = layout.abstractValue
        copy.sharded = layout
        copy.metadata.sharding = sharding.spec
        return copy
    }

    /// The leaf with its whole value back, assembled from this process's
    /// shards (which must cover it: one process, or a replicated layout).
    /// Across processes, gather through a process group instead.
    public func gathered() throws(ShardingError) -> VariableState {
        guard let sharded else { return self }
        var copy = self
        copy.value = try sharded.gathered()
        copy.sharded = nil
        return copy
    }

    /// Bytes this process holds for the leaf: its shards when sharded, its
    /// value when concrete, nothing when abstract.
    public var residentByteCount: Int {
        if let sharded { return sharded.residentByteCount }
        return value.isAbstract ? 0 : value.byteCount
    }
}

extension Variable {
    /// A variable of `shape` annotated with a sharding spec from creation, as
    /// `nnx.with_partitioning` does: `Param(shape: [1024, 4096], sharding: ["fsdp", nil])`.
    public convenience init(
        shape: [Int], dtype: DType = .float32, sharding: ShardingSpec, initializer: Initializer = .zeros
    ) {
        self.init(shape: shape, dtype: dtype, metadata: VariableMetadata(sharding: sharding), initializer: initializer)
    }

    /// A variable holding `value`, annotated with a sharding spec.
    public convenience init(_ value: Tensor, sharding: ShardingSpec) {
        self.init(value, metadata: VariableMetadata(sharding: sharding))
    }
}
