import ArborTensor

/// Adam (Kingma & Ba), with PyTorch's bias correction and `ε` outside the
/// square root; `decoupledWeightDecay` > 0 makes it AdamW (`p ← p·(1 − lr·λ)`
/// before the Adam step). State: `m/<param path>`, `v/<param path>`, `step`.
public final class Adam: Optimizer {
    /// Learning rate per step.
    public let learningRate: Schedule
    /// First-moment decay β₁.
    public let beta1: Float
    /// Second-moment decay β₂.
    public let beta2: Float
    /// Added to `√v̂`.
    public let epsilon: Float
    /// Decoupled weight decay λ (AdamW); 0 for plain Adam.
    public let decoupledWeightDecay: Float
    private var slots = OptimizerSlots(names: ["m", "v"])

    /// An Adam optimizer (`decoupledWeightDecay` > 0: AdamW).
    public init(learningRate: Schedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                decoupledWeightDecay: Float = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// A constant-rate Adam.
    public convenience init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.init(learningRate: .constant(learningRate), beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    public var state: State { slots.state }

    public func load(_ state: State) throws(OptimizerError) { try slots.load(state) }

    public func update(_ model: some Module, gradients: State) throws {
        slots.step += 1
        let t = slots.step
        let lr = learningRate.rate(t)
        let (b1, b2, eps, decay) = (beta1, beta2, epsilon, decoupledWeightDecay)
        let correction1 = 1 - Float(pow(Double(b1), Double(t)))
        let correction2 = 1 - Float(pow(Double(b2), Double(t)))
        try OptimizerSlots.apply(model, gradients: gradients) { path, p, g in
            var m = slots.buffers["m"]?[path] ?? [Float](repeating: 0, count: g.count)
            var v = slots.buffers["v"]?[path] ?? [Float](repeating: 0, count: g.count)
            if decay != 0 { for i in p.indices { p[i] *= 1 - lr * decay } }
            for i in p.indices {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                let mHat = m[i] / correction1
                let vHat = v[i] / correction2
                p[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
            slots.buffers["m"]?[path] = m
            slots.buffers["v"]?[path] = v
        }
    }
}

/// Integer power by squaring (deterministic, no libm).
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0, b = base, e = Int64(exponent)
    while e > 0 {
        if e & 1 == 1 { result *= b }
        b *= b
        e >>= 1
    }
    return result
}
