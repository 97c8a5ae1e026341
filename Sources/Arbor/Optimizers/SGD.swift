import ArborTensor

/// Stochastic gradient descent as `torch.optim.SGD` computes it: L2 weight
/// decay (`g ← g + λ·p`), then momentum (`b ← μ·b + (1 − dampening)·g`, the
/// first step `b = g`), optionally Nesterov (`g ← g + μ·b`, else `g ← b`), then
/// `p ← p − lr·g`. State: `momentum/<param path>` (when μ > 0), `step`.
///
/// ```swift
/// let opt = SGD(learningRate: 0.1, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: true)
/// ```
public final class SGD: Optimizer {
    /// Learning rate per step.
    public let learningRate: Schedule
    /// Momentum μ (0: plain SGD).
    public let momentum: Float
    /// Dampening of the gradient's share of the momentum buffer.
    public let dampening: Float
    /// L2 penalty λ added to the gradient.
    public let weightDecay: Float
    /// Nesterov look-ahead (needs momentum > 0 and no dampening, as in PyTorch).
    public let nesterov: Bool
    private var slots: OptimizerSlots

    /// An SGD optimizer with a learning-rate schedule. Nesterov momentum with
    /// μ = 0 or dampening ≠ 0 is a configuration error (PyTorch raises too).
    public init(learningRate: Schedule, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
                nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum > 0 and zero dampening")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        slots = OptimizerSlots(names: momentum > 0 ? ["momentum"] : [])
    }

    /// An SGD optimizer with a constant learning rate.
    public convenience init(learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
                            nesterov: Bool = false) {
        self.init(learningRate: .constant(learningRate), momentum: momentum, dampening: dampening,
                  weightDecay: weightDecay, nesterov: nesterov)
    }

    /// The momentum buffers (`momentum/<param>`, when momentum > 0) and the step count.
    public var state: State { slots.state }

    /// Replaces the momentum buffers with a saved `state`.
    public func load(_ state: State) throws(OptimizerError) { try slots.load(state) }

    /// Applies one SGD step to the variables named by `gradients`' paths.
    public func update(_ model: some Module, gradients: State) throws {
        try slots.countStep(for: model)
        let lr = learningRate.rate(slots.step)
        let (mu, decay, nesterov) = (momentum, weightDecay, self.nesterov)
        let keep = Float(1 - Double(dampening))
        try OptimizerSlots.apply(model, gradients: gradients) { path, p, g in
            var d = g
            if decay != 0 { for i in d.indices { d[i] += decay * p[i] } }
            if mu > 0 {
                var buffer: [Float]
                if let previous = slots.buffers["momentum"]?[path] {
                    buffer = previous
                    for i in buffer.indices { buffer[i] = buffer[i] * mu + keep * d[i] }
                } else {
                    buffer = d
                }
                slots.buffers["momentum"]?[path] = buffer
                if nesterov { for i in d.indices { d[i] += mu * buffer[i] } } else { d = buffer }
            }
            for i in p.indices { p[i] -= lr * d[i] }
        }
    }
}
