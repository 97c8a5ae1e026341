import Arbor

/// The network of `TwoSpiralsExample`: Linear → BatchNorm → tanh → Dropout →
/// Linear → tanh → Linear (2 logits). Paths: `input/…`, `norm/…` (with
/// `runningMean`, `runningVar`, `numBatchesTracked` batch stats), `dropout/rng`,
/// `hidden/…`, `output/…`.
public final class SpiralNet: Module {
    /// First layer, 2 → width.
    public let input: Linear
    /// Batch normalisation of the first layer's output.
    public let norm: BatchNorm
    /// Dropout after the first activation.
    public let dropout: Dropout
    /// width → width.
    public let hidden: Linear
    /// width → 2 logits.
    public let output: Linear

    /// A network of hidden `width`, initialised from `key`.
    public init(width: Int, dropoutRate: Double, key: RandomKey) {
        let keys = key.split(4)
        input = Linear(2, width, key: keys[0])
        norm = BatchNorm(width)
        dropout = Dropout(rate: dropoutRate, key: keys[1])
        hidden = Linear(width, width, key: keys[2])
        output = Linear(width, 2, key: keys[3])
    }

    /// Training mode for BatchNorm and Dropout.
    public var isTraining: Bool {
        get { norm.isTraining }
        set { norm.isTraining = newValue; dropout.isTraining = newValue }
    }

    /// Logits `[batch, 2]` for points `[batch, 2]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = dropout(norm(input(x)).tanh())
        h = hidden(h).tanh()
        return output(h)
    }
}

/// A small, fully deterministic training run — two-spirals classification with
/// an MLP using BatchNorm and Dropout, trained by AdamW — used by `arbor demo`,
/// the benchmarks and the exact-resume checkpoint tests.
///
/// Everything a resumed run needs is in `checkpointState` (model params, batch
/// statistics, dropout RNG state, optimizer moments and step, the example's own
/// step counter); `restore(_:)` puts it back, after which `step()` continues
/// bit-identically to a run that never stopped.
///
/// ```swift
/// let run = TwoSpiralsExample(seed: 0)
/// for _ in 0..<20 { _ = try run.step() }
/// let saved = try run.checkpointState          // save this
/// let resumed = TwoSpiralsExample(seed: 0)
/// try resumed.restore(saved)                   // …and continue
/// ```
public final class TwoSpiralsExample {
    /// The network.
    public let model: SpiralNet
    /// The optimizer (AdamW, constant rate).
    public let optimizer: AdamW
    /// The training set.
    public let data: TwoSpirals
    /// Points per step.
    public let batchSize: Int
    /// Optimizer steps taken so far.
    public private(set) var stepCount: Int64 = 0

    /// A fresh run: the same `seed` gives the same data, weights and stream.
    public init(seed: UInt64, points: Int = 256, batchSize: Int = 64, width: Int = 32, learningRate: Float = 0.02) {
        precondition(points % batchSize == 0, "TwoSpiralsExample: points \(points) must be a multiple of batchSize \(batchSize)")
        let (dataKey, modelKey) = RandomKey(seed: seed).split()
        data = TwoSpirals(count: points, key: dataKey)
        model = SpiralNet(width: width, dropoutRate: 0.05, key: modelKey)
        optimizer = AdamW(learningRate: learningRate, weightDecay: 1e-4)
        self.batchSize = batchSize
    }

    /// Steps in one pass over the data.
    public var stepsPerEpoch: Int { data.count / batchSize }

    /// One optimizer step on the next batch (batches cycle in order); returns its loss.
    @discardableResult
    public func step() throws -> Float {
        let start = Int(stepCount % Int64(stepsPerEpoch)) * batchSize
        let (x, y) = data.batch(start..<(start + batchSize))
        model.isTraining = true
        let (loss, gradients) = try grad(of: model) { m in m(x).crossEntropy(labels: y) }
        try optimizer.update(model, gradients: gradients)
        stepCount += 1
        return loss.scalars(as: Float.self)[0]
    }

    /// One pass over the data; returns the mean batch loss.
    public func epoch() throws -> Float {
        var total: Float = 0
        for _ in 0..<stepsPerEpoch { total += try step() }
        return total / Float(stepsPerEpoch)
    }

    /// Loss and accuracy on the whole set in evaluation mode (running
    /// statistics, no dropout); changes no state.
    public func evaluate() -> (loss: Float, accuracy: Float) {
        model.isTraining = false
        defer { model.isTraining = true }
        let logits = model(data.points)
        let loss = logits.crossEntropy(labels: data.labels).scalars(as: Float.self)[0]
        let values = logits.scalars(as: Float.self), labels = data.labels.scalars(as: Int64.self)
        var correct = 0
        for i in labels.indices where (values[2 * i + 1] > values[2 * i] ? 1 : 0) == labels[i] { correct += 1 }
        return (loss, Float(correct) / Float(labels.count))
    }

    /// Everything that must be checkpointed: `model/…` (every variable of the
    /// model: params, batch stats, RNG state), `optimizer/…` (moments, step) and
    /// `step` (Int64 scalar).
    public var checkpointState: State {
        get throws {
            var entries: [(Path, VariableState)] = []
            for (path, leaf) in try Graph.state(model).flat { entries.append((Path(["model"]).appending(path), leaf)) }
            for (path, leaf) in optimizer.state.flat { entries.append((Path(["optimizer"]).appending(path), leaf)) }
            entries.append((Path(["step"]), VariableState(kind: OptState.kind, value: Tensor(scalar: stepCount))))
            return try State(flat: entries)
        }
    }

    /// Puts back a state from `checkpointState` (shapes, dtypes and kinds are checked).
    public func restore(_ state: State) throws {
        try Graph.update(model, state.subtree(at: Path(["model"])))
        try optimizer.load(state.subtree(at: Path(["optimizer"])))
        guard let step = state[Path(["step"])], step.dtype == .int64, step.value.elementCount == 1,
              let count = step.value.scalars(as: Int64.self).first, count >= 0, count < Int64.max else {
            // A negative step would pick a batch before the data; Int64.max would overflow the next step.
            throw OptimizerError.invalidState(path: Path(["step"]), reason: "needs an Int64 scalar step in 0 ..< Int64.max")
        }
        stepCount = count
    }
}
