import ArborTensor

/// Layer normalisation over the last axis with learned `weight` (ones) and
/// `bias` (zeros), as PyTorch's `LayerNorm`.
public final class LayerNorm: Layer {
    /// Scale `[features]`.
    public let weight: Param
    /// Shift `[features]`.
    public let bias: Param
    /// Added to the variance.
    public let epsilon: Float

    /// A layer over `features` channels.
    public init(_ features: Int, epsilon: Float = 1e-5) {
        weight = Param(shape: [features], initializer: .ones)
        bias = Param(shape: [features])
        self.epsilon = epsilon
    }

    /// Normalises `[..., features]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNorm(weight: weight.value, bias: bias.value, epsilon: epsilon)
    }
}
