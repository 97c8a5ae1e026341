import ArborTensor

/// Adam (Kingma & Ba) as `torch.optim.Adam` computes it: bias-corrected
/// moments, `ε` added outside the square root, and `weightDecay` as a coupled
/// L2 penalty (`g ← g + λ·p` before the moments). For decoupled weight decay
/// use `AdamW` (a subclass, as in PyTorch). State: `m/<param path>`,
/// `v/<param path>`, `step`.
///
/// ```swift
/// let opt = Adam(learningRate: 1e-3)
/// let l2 = Adam(learningRate: 0.1, weightDecay: 0.01)             // torch.optim.Adam(weight_decay=0.01)
/// let warm = Adam(learningRate: .linearWarmup(peak: 1e-3, warmupSteps: 100))
/// ```
public class Adam: Optimizer {
    /// Learning rate per step.
    public let learningRate: Schedule
    /// First-moment decay β₁.
    public let beta1: Float
    /// Second-moment decay β₂.
    public let beta2: Float
    /// Added to `√v̂`.
    public let epsilon: Float
    /// Weight decay λ: an L2 penalty added to the gradient (Adam), or a shrink
    /// of the parameters before the step (AdamW; see `decouplesWeightDecay`).
    public let weightDecay: Float
    /// Whether `weightDecay` is decoupled (`AdamW`) rather than an L2 penalty.
    public let decouplesWeightDecay: Bool
    private var rule = AdamRule()

    init(learningRate: Schedule, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, decoupled: Bool) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decouplesWeightDecay = decoupled
    }

    /// An Adam optimizer with a learning-rate schedule.
    public convenience init(learningRate: Schedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0) {
        self.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupled: false)
    }

    /// An Adam optimizer with a constant learning rate.
    public convenience init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                            weightDecay: Float = 0) {
        self.init(learningRate: .constant(learningRate), beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupled: false)
    }

    /// The first and second moments (`m/<param>`, `v/<param>`) and the step count.
    public var state: State { rule.slots.state }

    /// Replaces the moments and step count with a saved `state`.
    public func load(_ state: State) throws(OptimizerError) { try rule.slots.load(state) }

    /// Applies one Adam step to the variables named by `gradients`' paths.
    public func update(_ model: some Module, gradients: State) throws {
        try rule.update(model, gradients: gradients, learningRate: learningRate, beta1: beta1, beta2: beta2,
                        epsilon: epsilon, coupledDecay: decouplesWeightDecay ? 0 : weightDecay,
                        decoupledDecay: decouplesWeightDecay ? weightDecay : 0)
    }
}

/// The Adam step shared by `Adam` and `AdamW`, written op for op as
/// `torch.optim.Adam`'s single-tensor path (float32 tensors, scalars in double),
/// so the two agree to rounding.
struct AdamRule {
    var slots = OptimizerSlots(names: ["m", "v"])

    mutating func update(
        _ model: some Module, gradients: State, learningRate: Schedule, beta1: Float, beta2: Float,
        epsilon: Float, coupledDecay: Float, decoupledDecay: Float
    ) throws {
        try slots.countStep(for: model)
        let t = slots.step
        let lr = Double(learningRate.rate(t))
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let stepSize = Float(lr / (1 - power(Double(b1), t)))
        let correction2Root = Float((1 - power(Double(b2), t)).squareRoot())
        let shrink = Float(1 - lr * Double(decoupledDecay))
        let oneMinusB1 = Float(1 - Double(b1)), oneMinusB2 = Float(1 - Double(b2))
        try OptimizerSlots.apply(model, gradients: gradients) { path, p, g in
            var m = slots.buffers["m"]?[path] ?? [Float](repeating: 0, count: g.count)
            var v = slots.buffers["v"]?[path] ?? [Float](repeating: 0, count: g.count)
            for i in p.indices {
                if decoupledDecay != 0 { p[i] *= shrink }
                let grad = coupledDecay != 0 ? g[i] + coupledDecay * p[i] : g[i]
                m[i] += oneMinusB1 * (grad - m[i])                  // torch: exp_avg.lerp_(grad, 1 - β₁)
                v[i] = v[i] * b2 + oneMinusB2 * (grad * grad)
                let denominator = v[i].squareRoot() / correction2Root + eps
                p[i] -= stepSize * (m[i] / denominator)
            }
            slots.buffers["m"]?[path] = m
            slots.buffers["v"]?[path] = v
        }
    }
}

/// `base` to an integer power, by squaring (deterministic, no libm).
func power(_ base: Double, _ exponent: Int64) -> Double {
    var result = 1.0, b = base, e = exponent
    while e > 0 {
        if e & 1 == 1 { result *= b }
        b *= b
        e >>= 1
    }
    return result
}
