import ArborTensor

/// A mesh plus a `ShardingSpec`: where every element of a tensor lives.
///
/// Dimension `i` split over axes `[a, b]` is cut into `size(a) · size(b)`
/// chunks, a device taking the chunk numbered row-major by its coordinates on
/// `a` then `b`. Uneven splits are ragged, as in PyTorch's DTensor: every chunk
/// has `ceil(n / parts)` elements except the trailing ones, which are smaller
/// or empty (10 rows over 4 devices: 3, 3, 3, 1). Nothing is padded, so a
/// gathered tensor is exactly the original.
///
/// ```swift
/// let sharding = try Sharding(mesh: mesh, spec: ["fsdp", nil])
/// sharding.box(forDevice: 1, globalShape: [10, 4])   // [3..<6, 0..<4] when fsdp = 4
/// ```
public struct Sharding: Hashable, Sendable, CustomStringConvertible {
    /// The devices.
    public let mesh: Mesh
    /// How each dimension maps to mesh axes.
    public let spec: ShardingSpec

    /// A sharding; throws when the spec names an axis the mesh lacks or uses one twice.
    public init(mesh: Mesh, spec: ShardingSpec) throws(ShardingError) {
        var seen = Set<String>()
        for axis in spec.axisNames {
            guard mesh.size(of: axis) != nil else { throw .unknownAxis(axis, spec: spec, meshAxes: mesh.axisNames) }
            guard seen.insert(axis).inserted else { throw .repeatedAxis(axis, spec: spec) }
        }
        self.mesh = mesh
        self.spec = spec
    }

    /// Every device holds the whole tensor.
    public static func replicated(over mesh: Mesh) -> Sharding {
        do { return try Sharding(mesh: mesh, spec: ShardingSpec([])) } catch {
            preconditionFailure("Sharding.replicated: \(error)")
        }
    }

    /// Whether every device holds everything.
    public var isReplicated: Bool { spec.isReplicated }

    /// How many parts dimension `dimension` is cut into.
    public func partCount(ofDimension dimension: Int) -> Int {
        guard dimension < spec.dimensions.count else { return 1 }
        return spec.dimensions[dimension].axisNames.reduce(1) { $0 * (mesh.size(of: $1) ?? 1) }
    }

    /// The region of a `globalShape` array that `device` holds.
    public func box(forDevice device: Int, globalShape: [Int]) -> IndexBox {
        let coordinates = mesh.coordinates(ofDevice: device)
        return IndexBox(globalShape.indices.map { dimension in
            let extent = globalShape[dimension]
            guard dimension < spec.dimensions.count else { return 0..<extent }
            var part = 0, parts = 1
            for axis in spec.dimensions[dimension].axisNames {
                guard let position = mesh.axisNames.firstIndex(of: axis) else { continue }
                part = part * mesh.axisSizes[position] + coordinates[position]
                parts *= mesh.axisSizes[position]
            }
            let chunk = (extent + parts - 1) / parts
            let lower = Swift.min(part * chunk, extent)
            return lower..<Swift.min(lower + chunk, extent)
        })
    }

    /// Checks that a tensor of `shape` and `dtype` can be laid out this way:
    /// the spec is not longer than the shape and, for sub-byte dtypes, every
    /// shard fills whole bytes.
    public func validate(shape: [Int], dtype: DType) throws(ShardingError) {
        guard spec.dimensions.count <= shape.count else { throw .rankMismatch(spec: spec, shape: shape) }
        guard dtype.byteSize == nil else { return }
        for device in 0..<mesh.deviceCount {
            let box = box(forDevice: device, globalShape: shape)
            guard dtype.byteCount(forElements: box.elementCount) != nil else { throw .partialBytes(dtype: dtype, box: box) }
        }
    }

    /// `Sharding((fsdp, _) over Mesh(…))`.
    public var description: String { "Sharding(\(spec) over \(mesh))" }
}
