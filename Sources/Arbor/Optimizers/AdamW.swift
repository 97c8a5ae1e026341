import ArborTensor

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, as
/// `torch.optim.AdamW` — each step first shrinks the parameters,
/// `p ← p·(1 − lr·λ)`, then takes the plain Adam step. PyTorch's default
/// λ = 0.01. A subclass of `Adam` (as in PyTorch) with the same state:
/// `m/<param path>`, `v/<param path>`, `step`.
///
/// ```swift
/// let opt = AdamW(learningRate: 0.1, weightDecay: 0.01)
/// let cosine = AdamW(learningRate: .cosine(peak: 1e-3, warmupSteps: 10, totalSteps: 500))
/// ```
public final class AdamW: Adam {
    /// An AdamW optimizer with a learning-rate schedule.
    public convenience init(learningRate: Schedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0.01) {
        self.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupled: true)
    }

    /// An AdamW optimizer with a constant learning rate.
    public convenience init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0.01) {
        self.init(learningRate: .constant(learningRate), beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupled: true)
    }
}
