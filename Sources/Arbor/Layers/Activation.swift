import ArborTensor

/// An elementwise nonlinearity, stored as a setting (so merge restores it).
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// Identity.
    case identity
    /// `max(0, x)`.
    case relu
    /// `tanh(x)`.
    case tanh
    /// Logistic sigmoid.
    case sigmoid
    /// Exact (erf) GELU, PyTorch's default.
    case gelu
    /// GELU's tanh approximation (GPT-2's `gelu_new`).
    case geluTanh

    /// Applies the function.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .identity: x
        case .relu: x.relu()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .gelu: x.gelu(approximation: .none)
        case .geluTanh: x.gelu(approximation: .tanh)
        }
    }
}
