import Arbor

/// A data-parallel training example: how to build the model, how many rows
/// each step's global batch has, and the loss of any slice of that batch.
///
/// Every batch is a pure function of the step and the seed, so N processes
/// each computing the loss of their slice (rows `rank·B/N ..< (rank+1)·B/N`)
/// see exactly the data one process sees, which is what lets `arbor train`
/// compare an FSDP run with a single-process reference.
///
/// ```swift
/// let task = TrainingTask.spirals(globalBatch: 24, seed: 0)
/// let loss = task.loss(task.makeModel(), 0, 0..<24)   // step 0, the whole batch
/// ```
public struct TrainingTask<M: Module>: Sendable {
    /// A short name for output (`spirals`, `gpt2`).
    public let name: String
    /// Rows (points or sequences) per global batch.
    public let globalBatch: Int
    /// A fresh model; every call gives the same initial parameters.
    public let makeModel: @Sendable () -> M
    /// The mean loss of `model` on rows `rows` of step `step`'s global batch.
    public let loss: @Sendable (_ model: M, _ step: Int, _ rows: Range<Int>) -> Tensor

    /// A task from its parts.
    public init(name: String, globalBatch: Int, makeModel: @escaping @Sendable () -> M,
                loss: @escaping @Sendable (M, Int, Range<Int>) -> Tensor) {
        self.name = name
        self.globalBatch = globalBatch
        self.makeModel = makeModel
        self.loss = loss
    }

    /// Rank `rank`'s equal share of the global batch among `ranks`
    /// (`globalBatch` must be divisible by `ranks`).
    public func rows(rank: Int, of ranks: Int) -> Range<Int> {
        let share = globalBatch / ranks
        return (rank * share)..<((rank + 1) * share)
    }
}

extension TrainingTask where M == MLP {
    /// Two-spirals classification with a tanh MLP `[2, hidden, hidden, 2]`.
    /// The data set holds at least 256 points, a whole number of batches, and
    /// batches cycle through it in order. (`TwoSpiralsExample`'s BatchNorm and
    /// dropout are left out: they hold per-process state, not parameters.)
    public static func spirals(globalBatch: Int, seed: UInt64, hidden: Int = 16) -> TrainingTask<MLP> {
        let batches = max(1, (256 + globalBatch - 1) / globalBatch)
        var count = batches * globalBatch
        if count % 2 == 1 { count *= 2 }
        let (dataKey, modelKey) = RandomKey(seed: seed).split()
        let data = TwoSpirals(count: count, key: dataKey)
        return TrainingTask(name: "spirals", globalBatch: globalBatch, makeModel: {
            MLP([2, hidden, hidden, 2], activations: [.tanh, .tanh], key: modelKey)
        }) { model, step, rows in
            let start = (step * globalBatch) % data.count
            let (x, y) = data.batch((start + rows.lowerBound)..<(start + rows.upperBound))
            return model(x).crossEntropy(labels: y)
        }
    }
}

extension TrainingTask where M == GPT2 {
    /// Next-token prediction with a GPT-2 of `config` (the tiny one by default)
    /// on arithmetic token sequences of `length + 1` tokens: each row starts at
    /// a random token and steps by a random stride 1...4 (mod the vocabulary),
    /// drawn from the seed, the step and the row, so the loss can fall.
    public static func gpt2(_ config: GPT2Config = .tiny, length: Int = 16, globalBatch: Int,
                            seed: UInt64) -> TrainingTask<GPT2> {
        precondition((1...config.positions).contains(length), "TrainingTask.gpt2: length \(length) must be 1...\(config.positions)")
        let modelKey = RandomKey(seed: seed)
        let vocabulary = UInt64(config.vocabularySize)
        let salt = (seed &+ 1) &* 0xD1B5_4A32_D192_ED03
        return TrainingTask(name: "gpt2", globalBatch: globalBatch, makeModel: { GPT2(config, key: modelKey) }) {
            model, step, rows in
            var ids: [Int64] = [], targets: [Int64] = []
            for row in rows {
                var state = (salt ^ UInt64(truncatingIfNeeded: step &* globalBatch &+ row)) &* 0x9E37_79B9_7F4A_7C15
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let start = (state >> 33) % vocabulary
                let stride = 1 + (state >> 20) % 4
                let sequence = (0...UInt64(length)).map { Int64((start &+ $0 &* stride) % vocabulary) }
                ids += sequence.dropLast()
                targets += sequence.dropFirst()
            }
            let x = Tensor(ids, shape: [rows.count, length]), y = Tensor(targets, shape: [rows.count, length])
            return model(x).crossEntropy(labels: y)
        }
    }
}
