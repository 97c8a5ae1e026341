import ArborTensor

/// AdamW: `Adam` with decoupled weight decay (PyTorch default λ = 0.01).
public enum AdamW {
    /// An `Adam` optimizer with decoupled weight decay `weightDecay`.
    public static func make(learningRate: Schedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0.01) -> Adam {
        Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledWeightDecay: weightDecay)
    }
}
