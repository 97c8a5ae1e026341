import ArborTensor

/// Stochastic gradient descent with optional momentum (PyTorch's rule:
/// `b ← μ·b + g`, first step `b = g`), Nesterov momentum (`g + μ·b`) and L2
/// weight decay (`g + λ·p`). State: `momentum/<param path>` (when μ > 0), `step`.
public final class SGD: Optimizer {
    /// Learning rate per step.
    public let learningRate: Schedule
    /// Momentum μ (0: plain SGD).
    public let momentum: Float
    /// Nesterov look-ahead.
    public let nesterov: Bool
    /// L2 penalty λ added to the gradient.
    public let weightDecay: Float
    private var slots: OptimizerSlots

    /// An SGD optimizer.
    public init(learningRate: Schedule, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(!nesterov || momentum > 0, "SGD: Nesterov needs momentum > 0")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        slots = OptimizerSlots(names: momentum > 0 ? ["momentum"] : [])
    }

    /// A constant-rate SGD.
    public convenience init(learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(learningRate: .constant(learningRate), momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
    }

    public var state: State { slots.state }

    public func load(_ state: State) throws(OptimizerError) { try slots.load(state) }

    public func update(_ model: some Module, gradients: State) throws {
        slots.step += 1
        let lr = learningRate.rate(slots.step)
        let (mu, decay, nesterov) = (momentum, weightDecay, self.nesterov)
        try OptimizerSlots.apply(model, gradients: gradients) { path, p, g in
            var d = g
            if decay != 0 { for i in d.indices { d[i] += decay * p[i] } }
            if mu > 0 {
                var buffer = slots.buffers["momentum"]?[path] ?? d
                if slots.buffers["momentum"]?[path] != nil {
                    for i in buffer.indices { buffer[i] = mu * buffer[i] + d[i] }
                }
                slots.buffers["momentum"]?[path] = buffer
                if nesterov { for i in d.indices { d[i] += mu * buffer[i] } } else { d = buffer }
            }
            for i in p.indices { p[i] -= lr * d[i] }
        }
    }
}
