import ArborTensor

/// Linear layers with an activation between them (none after the last),
/// optionally a `LayerNorm` after the first layer (`norm`). Paths match
/// PyTorch's `nn.Sequential` naming: `layers/0/weight`, `layers/1/bias`, ….
public final class MLP: Layer {
    /// The linear layers.
    public let layers: [Linear]
    /// Per-gap activations (`activations[i]` follows `layers[i]`).
    public let activations: [Activation]
    /// Optional LayerNorm applied to the first layer's output, before its activation.
    public let norm: LayerNorm?

    /// An MLP with sizes `features` (`[in, hidden…, out]`) and one activation per gap.
    public init(_ features: [Int], activations: [Activation], layerNormAfterFirst: Bool = false, key: RandomKey) {
        precondition(features.count >= 2 && activations.count == features.count - 2,
                     "MLP: \(features.count) sizes need \(max(0, features.count - 2)) activations, got \(activations.count)")
        let keys = key.split(features.count - 1)
        layers = (0..<(features.count - 1)).map { Linear(features[$0], features[$0 + 1], key: keys[$0]) }
        self.activations = activations
        norm = layerNormAfterFirst ? LayerNorm(features[1]) : nil
    }

    /// Applies the network.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for (index, layer) in layers.enumerated() {
            x = layer(x)
            if index == 0, let norm { x = norm(x) }
            if index < activations.count { x = activations[index](x) }
        }
        return x
    }
}
