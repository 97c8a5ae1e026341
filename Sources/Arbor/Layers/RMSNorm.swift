import ArborTensor

/// Root-mean-square normalisation over the last axis with a learned `weight`
/// (ones) and no bias or centring, as Llama's `LlamaRMSNorm`:
/// `weight · x / √(mean(x²) + epsilon)`.
public final class RMSNorm: Layer {
    /// Scale `[features]`.
    public let weight: Param
    /// Added to the mean square.
    public let epsilon: Float

    /// A layer over `features` channels.
    public init(_ features: Int, epsilon: Float = 1e-6) {
        weight = Param(shape: [features], initializer: .ones)
        self.epsilon = epsilon
    }

    /// Normalises `[..., features]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let meanSquare = input.squared().mean(alongAxes: [input.rank - 1], keepingDimensions: true)
        return input * (meanSquare + epsilon).rsqrt() * weight.value
    }
}
