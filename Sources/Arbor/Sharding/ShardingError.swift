import ArborTensor

/// Why a mesh, a sharding or a sharded tensor was refused.
public indirect enum ShardingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The mesh's axes or process layout are inconsistent.
    case invalidMesh(String)
    /// A spec names an axis the mesh does not have.
    case unknownAxis(String, spec: ShardingSpec, meshAxes: [String])
    /// A spec uses one mesh axis for two dimensions (or twice in one).
    case repeatedAxis(String, spec: ShardingSpec)
    /// The spec has more dimensions than the tensor.
    case rankMismatch(spec: ShardingSpec, shape: [Int])
    /// A shard of a sub-byte dtype (4 or 6 bits) would not fill whole bytes.
    case partialBytes(dtype: DType, box: IndexBox)
    /// The value has no bytes (abstract) but bytes were needed.
    case abstractValue(shape: [Int])
    /// The shards at hand do not cover a region that is needed.
    case notAddressable(box: IndexBox, reason: String)
    /// Shards do not agree with the global shape, dtype or sharding.
    case shardMismatch(String)
    /// One of the above, at a variable's path.
    case atPath(Path, ShardingError)

    public var description: String {
        switch self {
        case .invalidMesh(let reason): "invalid mesh: \(reason)"
        case .unknownAxis(let axis, let spec, let meshAxes):
            "sharding spec \(spec) names axis \"\(axis)\", but the mesh has \(meshAxes)"
        case .repeatedAxis(let axis, let spec): "sharding spec \(spec) uses mesh axis \"\(axis)\" more than once"
        case .rankMismatch(let spec, let shape):
            "sharding spec \(spec) has \(spec.dimensions.count) dimensions, the tensor \(shape) only \(shape.count)"
        case .partialBytes(let dtype, let box):
            "a \(dtype) shard \(box) would not fill whole bytes (\(dtype.bitWidth)-bit elements); choose a spec that splits another dimension"
        case .abstractValue(let shape): "the value \(shape) is abstract (no bytes); shard a concrete tensor"
        case .notAddressable(let box, let reason): "the shards at hand do not cover \(box): \(reason)"
        case .shardMismatch(let reason): "shards do not match: \(reason)"
        case .atPath(let path, let error): "\(path): \(error)"
        }
    }
}
