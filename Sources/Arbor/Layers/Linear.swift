import ArborTensor

/// `y = x · Wᵀ + b` with a PyTorch-layout weight `[out, in]`, so a torch
/// `state_dict` loads with no transposes (`weight`, `bias`).
public final class Linear: Layer {
    /// `[outFeatures, inFeatures]`.
    public let weight: Param
    /// `[outFeatures]`, or `nil` without bias.
    public let bias: Param?

    /// A layer initialised as PyTorch does: uniform in `±1/√inFeatures` for weight
    /// and bias, from two keys split from `key`.
    public init(_ inFeatures: Int, _ outFeatures: Int, useBias: Bool = true, key: RandomKey) {
        // Config readers take sizes as positive whole numbers only; only code can pass zero.
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: features must be positive, got \(inFeatures)→\(outFeatures)")
        let (wKey, bKey) = key.split()
        let bound = 1 / Double(inFeatures).squareRoot()
        weight = Param(shape: [outFeatures, inFeatures], initializer: .uniform(low: -bound, high: bound, key: wKey))
        bias = useBias ? Param(shape: [outFeatures], initializer: .uniform(low: -bound, high: bound, key: bKey)) : nil
    }

    /// Applies the layer to `[..., inFeatures]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let y = matmul(input, weight.value, transposingB: true)
        if let bias { return y + bias.value }
        return y
    }
}
