import ArborTensor

/// A lookup table `[count, features]` (PyTorch init: standard normal).
public final class Embedding: Module {
    /// `[count, features]`.
    public let weight: Param

    /// A table of `count` rows of `features`, normal(0, `std`) from `key`.
    public init(_ count: Int, _ features: Int, std: Double = 1, key: RandomKey) {
        weight = Param(shape: [count, features], initializer: .normal(std: std, key: key))
    }

    /// Rows for integer `indices` of any shape → `indices.shape + [features]`.
    public func callAsFunction(_ indices: Tensor) -> Tensor {
        weight.value.gathering(rowsAt: indices)
    }

    /// `x · weightᵀ`: logits over the table's rows (a tied language-model head).
    public func attend(_ input: Tensor) -> Tensor {
        matmul(input, weight.value, transposingB: true)
    }
}
