import ArborTensor

/// Layers applied in order; state paths are `layers/0/…`, `layers/1/…`.
/// Every element must conform to `Layer` (checked at construction).
public final class Sequential: Layer, TrainingModeSettable {
    /// The layers, type-erased so mixed kinds can sit together.
    public let layers: [AnyModule]

    /// A stack of `layers`.
    public init(_ layers: [any Layer]) {
        self.layers = layers.map { AnyModule($0) }
    }

    /// Runs every layer in turn.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for (index, entry) in layers.enumerated() {
            guard let layer = entry.base as? any Layer else {
                preconditionFailure("Sequential: element \(index) (\(type(of: entry.base))) is not a Layer")
            }
            x = layer(x)
        }
        return x
    }

    /// Whether any element trains; setting it sets every mode-aware element.
    public var isTraining: Bool {
        get { layers.contains { ($0.base as? any TrainingModeSettable)?.isTraining == true } }
        set {
            for entry in layers { (entry.base as? any TrainingModeSettable)?.isTraining = newValue }
        }
    }
}
