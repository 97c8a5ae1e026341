/// The value of one variable, detached from the model: the leaf type of `State`.
///
/// Every leaf of a `State` is a `VariableState` — never a bare tensor and never
/// a live `Variable` — so code walking a state always knows it has a kind, a
/// value and metadata. `VariableState` is a value (`Sendable`); changing it does
/// not change any model until the state is merged or used to update one.
public struct VariableState: Equatable, Sendable {
    /// Which kind of variable this was (`Param`, `BatchStat`, …).
    public var kind: VariableKind
    /// The tensor (concrete, memory-mapped or abstract).
    public var value: Tensor
    /// Sharding spec and free-form entries.
    public var metadata: VariableMetadata
    /// The shards this process holds when the value is split over a mesh
    /// (`value` is then abstract, of the global shape); `nil` otherwise.
    public var sharded: ShardedTensor?

    /// A leaf of `kind` holding `value`.
    public init(
        kind: VariableKind, value: Tensor, metadata: VariableMetadata = VariableMetadata(), sharded: ShardedTensor? = nil
    ) {
        self.kind = kind
        self.value = value
        self.metadata = metadata
        self.sharded = sharded
    }

    /// The value's shape.
    public var shape: [Int] { value.shape }
    /// The value's dtype.
    public var dtype: DType { value.dtype }

    /// The same leaf with an abstract value (shape and dtype only).
    public var abstract: VariableState {
        var copy = self
        if !value.isAbstract { copy.value = Tensor.abstract(shape: value.shape, dtype: value.dtype) }
        copy.sharded = nil
        return copy
    }

    /// A new `Variable` of this kind's registered class, or `nil` when the kind
    /// is not registered (see `VariableKind.register(_:)`).
    public func makeVariable() -> Variable? {
        kind.variableType.map { type in
            let variable = type.init(value, metadata: metadata)
            variable.sharded = sharded
            return variable
        }
    }
}

extension VariableState: CustomStringConvertible {
    /// `Param float32 [4, 8]`, with metadata when there is some.
    public var description: String {
        let base = "\(kind) \(dtype) \(value.shape)" + (sharded != nil ? " sharded" : value.isAbstract ? " abstract" : "")
        return metadata.isEmpty ? base : base + " {\(metadata)}"
    }
}
