/// A named, mutable slot holding one tensor of a model's state, plus metadata.
///
/// `Variable` is a class because identity is the point: two modules holding the
/// same `Variable` object share that weight (tied embeddings), and `split`
/// records the sharing. Subclasses are *kinds* — `Param`, `BatchStat`, `Cache`,
/// `RngState` or your own — and filters select by kind:
///
/// ```swift
/// final class Intermediate: Variable {}          // a user kind: nothing else to write
/// let w = Param(shape: [4, 8])                    // zeros, or abstract inside `Graph.evalShape`
/// let b = Param(Tensor([0, 0] as [Float]))
/// ```
///
/// A kind's name (`kind`) is what a `State` and a checkpoint record; it defaults
/// to the class name. Override `class var kind` to keep a stable name when
/// renaming the class, or when two modules use the same class name.
open class Variable: Codable {
    /// The current value. Assigning a different shape or dtype is allowed here;
    /// `Graph.update` and `Graph.merge` check against the model's structure.
    public var value: Tensor
    /// Sharding spec and free-form entries.
    public var metadata: VariableMetadata
    /// This process's shards when the value is split over a mesh (`value` is
    /// then abstract, of the global shape); see `VariableState.sharded`.
    public var sharded: ShardedTensor?

    /// The kind name recorded for this class in states and checkpoints.
    open class var kind: VariableKind { VariableKind(String(describing: self)) }

    /// A variable holding `value`. (Inside `Graph.evalShape`, values given this
    /// way are made abstract when the builder returns; prefer
    /// `init(shape:dtype:metadata:initializer:)`, which allocates nothing.)
    public required init(_ value: Tensor, metadata: VariableMetadata = VariableMetadata()) {
        self.value = value
        self.metadata = metadata
    }

    /// A variable of `shape` and `dtype` filled by `initializer`. Inside
    /// `Graph.evalShape` the initializer is not run and nothing is allocated,
    /// which is what lets an abstract 10-billion-parameter model build in
    /// milliseconds — layers should create their weights this way.
    public convenience init(
        shape: [Int], dtype: DType = .float32, metadata: VariableMetadata = VariableMetadata(),
        initializer: Initializer = .zeros
    ) {
        if ShapeEvaluation.isActive {
            self.init(Tensor.abstract(shape: shape, dtype: dtype), metadata: metadata)
        } else {
            let value = initializer.make(shape, dtype)
            precondition(value.shape == shape && value.dtype == dtype,
                         "Variable: initializer made \(value), expected \(dtype) \(shape)")
            self.init(value, metadata: metadata)
        }
    }

    /// This variable's kind (`type(of: self).kind`).
    public var kind: VariableKind { type(of: self).kind }
    /// The value's shape.
    public var shape: [Int] { value.shape }
    /// The value's dtype.
    public var dtype: DType { value.dtype }

    /// Kind, value and metadata as a value (a `State` leaf).
    public var state: VariableState {
        VariableState(kind: kind, value: value, metadata: metadata, sharded: sharded)
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey { case kind, dtype, shape, metadata }

    /// Writes kind, dtype, shape and metadata — never the bytes. Arbor's own graph
    /// traversal does not call this; it is what a foreign encoder (say
    /// `JSONEncoder` on a model) sees, which makes an architecture summary.
    open func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(dtype, forKey: .dtype)
        try container.encode(shape, forKey: .shape)
        if !metadata.isEmpty { try container.encode(metadata, forKey: .metadata) }
    }

    /// Reads what `encode(to:)` wrote as an *abstract* variable (no bytes).
    public required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let dtype = try container.decode(DType.self, forKey: .dtype)
        let shape = try container.decode([Int].self, forKey: .shape)
        guard shape.allSatisfy({ $0 >= 0 }), Tensor.checkedElementCount(of: shape) != nil,
              dtype.byteCount(forElements: Tensor.elementCount(of: shape)) != nil else {
            throw DecodingError.dataCorruptedError(forKey: .shape, in: container,
                                                   debugDescription: "invalid shape \(shape) for \(dtype)")
        }
        value = Tensor.abstract(shape: shape, dtype: dtype)
        metadata = try container.decodeIfPresent(VariableMetadata.self, forKey: .metadata) ?? VariableMetadata()
    }
}

extension Variable: CustomStringConvertible {
    /// `Param(float32 [4, 8])`.
    public var description: String {
        let note = sharded != nil ? ", sharded" : value.isAbstract ? ", abstract" : ""
        return "\(kind)(\(dtype) \(shape)\(note))"
    }
}

/// A trainable parameter (weights, biases, embeddings).
public final class Param: Variable {
    override public class var kind: VariableKind { .param }
}

/// A running statistic updated outside gradient descent (BatchNorm mean/var).
public final class BatchStat: Variable {
    override public class var kind: VariableKind { .batchStat }
}

/// A cache that is state but not a parameter (attention kv-cache and the like).
public final class Cache: Variable {
    override public class var kind: VariableKind { .cache }
}

/// Random-number state (for example a key and a counter for dropout).
public final class RngState: Variable {
    override public class var kind: VariableKind { .rngState }
}
