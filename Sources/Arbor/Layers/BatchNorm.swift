import ArborTensor

/// Batch normalisation over the leading axes of `[..., features]` (PyTorch's
/// `BatchNorm1d` semantics). In training it normalises with the batch's mean
/// and biased variance and updates the running statistics (unbiased variance,
/// `momentum` weight on the new value); in evaluation it uses the running ones.
public final class BatchNorm: Layer, TrainingModeSettable {
    /// Scale `[features]`.
    public let weight: Param
    /// Shift `[features]`.
    public let bias: Param
    /// Running mean `[features]`.
    public let runningMean: BatchStat
    /// Running (unbiased) variance `[features]`.
    public let runningVar: BatchStat
    /// Number of training batches seen, an Int64 scalar.
    public let numBatchesTracked: BatchStat
    /// Weight of a new batch in the running statistics.
    public let momentum: Double
    /// Added to the variance.
    public let epsilon: Float
    /// `true`: batch statistics and updates; `false`: running statistics.
    public var isTraining = true

    /// A layer over `features` channels.
    public init(_ features: Int, momentum: Double = 0.1, epsilon: Float = 1e-5) {
        weight = Param(shape: [features], initializer: .ones)
        bias = Param(shape: [features])
        runningMean = BatchStat(shape: [features])
        runningVar = BatchStat(shape: [features], initializer: .ones)
        numBatchesTracked = BatchStat(shape: [], dtype: .int64)
        self.momentum = momentum
        self.epsilon = epsilon
    }

    /// Normalises `[..., features]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let features = weight.shape[0]
        precondition(input.rank >= 1 && input.shape.last == features,
                     "BatchNorm: input \(input.shape) needs last dimension \(features)")
        if !isTraining {
            let scale = (runningVar.value + epsilon).rsqrt() * weight.value
            return (input - runningMean.value) * scale + bias.value
        }
        let axes = Array(0..<(input.rank - 1))
        let count = input.elementCount / features
        precondition(count > 1, "BatchNorm: training needs more than one value per channel, got input \(input.shape)")
        let mean = input.mean(alongAxes: axes)
        let centered = input - mean
        let variance = centered.squared().mean(alongAxes: axes)
        let output = centered * (variance + epsilon).rsqrt() * weight.value + bias.value
        updateRunningStatistics(mean: mean.detached(), variance: variance.detached(), count: count)
        return output
    }

    private func updateRunningStatistics(mean: Tensor, variance: Tensor, count: Int) {
        let m = Float(momentum)
        let unbiased = variance * (Float(count) / Float(count - 1))
        runningMean.value = runningMean.value * (1 - m) + mean * m
        runningVar.value = runningVar.value * (1 - m) + unbiased * m
        let seen = numBatchesTracked.value.scalars(as: Int64.self).first ?? 0
        numBatchesTracked.value = Tensor(scalar: seen + 1)
    }
}
