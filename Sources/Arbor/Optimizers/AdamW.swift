import ArborTensor

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, as
/// `torch.optim.AdamW` — each step first shrinks the parameters,
/// `p ← p·(1 − lr·λ)`, then takes the plain Adam step. PyTorch's default
/// λ = 0.01. State: `m/<param path>`, `v/<param path>`, `step`.
///
/// ```swift
/// let opt = AdamW(learningRate: 0.1, weightDecay: 0.01)
/// let cosine = AdamW(learningRate: .cosine(peak: 1e-3, warmupSteps: 10, totalSteps: 500))
/// ```
public final class AdamW: Optimizer {
    /// Learning rate per step.
    public let learningRate: Schedule
    /// First-moment decay β₁.
    public let beta1: Float
    /// Second-moment decay β₂.
    public let beta2: Float
    /// Added to `√v̂`.
    public let epsilon: Float
    /// Decoupled weight decay λ.
    public let weightDecay: Float
    private var rule = AdamRule()

    /// An AdamW optimizer with a learning-rate schedule.
    public init(learningRate: Schedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0.01) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// An AdamW optimizer with a constant learning rate.
    public convenience init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0.01) {
        self.init(learningRate: .constant(learningRate), beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay)
    }

    public var state: State { rule.slots.state }

    public func load(_ state: State) throws(OptimizerError) { try rule.slots.load(state) }

    public func update(_ model: some Module, gradients: State) throws {
        try rule.update(model, gradients: gradients, learningRate: learningRate, beta1: beta1, beta2: beta2,
                        epsilon: epsilon, coupledDecay: 0, decoupledDecay: weightDecay)
    }
}
