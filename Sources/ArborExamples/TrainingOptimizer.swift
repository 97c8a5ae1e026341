import Arbor

/// The optimizers a training example offers, with the learning rates they
/// default to (`arbor train --optimizer sgd|adam`).
///
/// ```swift
/// let optimizer = TrainingOptimizer.adam.make(learningRate: nil)   // Adam(learningRate: 0.003)
/// ```
public enum TrainingOptimizer: String, CaseIterable, Sendable {
    /// SGD with momentum 0.9.
    case sgd
    /// Adam with the default betas and ε.
    case adam

    /// The learning rate used when none is given.
    public var defaultLearningRate: Float {
        switch self {
        case .sgd: 0.1
        case .adam: 0.003
        }
    }

    /// A fresh optimizer (no state) at `learningRate`, or the default rate.
    public func make(learningRate: Float?) -> any Optimizer {
        let rate = learningRate ?? defaultLearningRate
        switch self {
        case .sgd: return SGD(learningRate: rate, momentum: 0.9)
        case .adam: return Adam(learningRate: rate)
        }
    }
}
