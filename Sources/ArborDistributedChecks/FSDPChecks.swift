import Arbor
import ArborExamples
import ArborDistributed
import ArborExamples
import ArborTensor

/// FSDP training on N ranks against one process training on the same global batches.
public enum FSDPChecks {
    /// A small GPT-2 (one layer, width 8, tied head).
    static let config = GPT2Config(vocabularySize: 16, positions: 8, width: 8, layers: 1, heads: 2)
    /// Sequences per global batch (divisible by 1, 2, 3, 4 and 6).
    static let rows = 12
    static let length = 6

    /// The global batch of step `step`: token ids and next-token targets, `[rows, length]`.
    static func batch(_ step: Int) -> (ids: [Int64], targets: [Int64]) {
        var state = UInt64(step + 1) &* 0x9E37_79B9_7F4A_7C15
        var tokens: [Int64] = []
        for _ in 0..<(rows * (length + 1)) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            tokens.append(Int64((state >> 33) % UInt64(config.vocabularySize)))
        }
        var ids: [Int64] = [], targets: [Int64] = []
        for row in 0..<rows {
            let sequence = tokens[(row * (length + 1))..<((row + 1) * (length + 1))]
            ids += sequence.dropLast()
            targets += sequence.dropFirst()
        }
        return (ids, targets)
    }

    /// `rows` of the global batch as tensors.
    static func tensors(_ step: Int, rows range: Range<Int>) -> (Tensor, Tensor) {
        let (ids, targets) = batch(step)
        let slice = (range.lowerBound * length)..<(range.upperBound * length)
        return (Tensor(Array(ids[slice]), shape: [range.count, length]), Tensor(Array(targets[slice]), shape: [range.count, length]))
    }

    /// A training task: a model maker, the global batch size, and the loss
    /// of step `step` on rows `rows` of that step's global batch.
    public struct Task<M: Module>: Sendable {
        let rows: Int
        let makeModel: @Sendable () -> M
        let loss: @Sendable (M, Int, Range<Int>) -> Tensor
    }

    /// Next-token prediction with the small GPT-2 (12 sequences per batch).
    public static let gpt2 = Task<GPT2>(rows: rows, makeModel: { GPT2(config, key: RandomKey(seed: 5)) }) { m, step, range in
        let (x, y) = tensors(step, rows: range)
        return m(x).crossEntropy(labels: y)
    }

    /// The two-spirals data set with a tanh MLP (the example's data; its
    /// network's BatchNorm and dropout are left out, as they are per-rank state).
    public static let spirals: Task<MLP> = {
        let data = TwoSpirals(count: 96, key: RandomKey(seed: 11))
        return Task(rows: 24, makeModel: { MLP([2, 16, 16, 2], activations: [.tanh, .tanh], key: RandomKey(seed: 3)) }) {
            m, step, range in
            let start = (step * 24) % data.count
            let (x, y) = data.batch((start + range.lowerBound)..<(start + range.upperBound))
            return m(x).crossEntropy(labels: y)
        }
    }()

    /// Trains `steps` steps with FSDP on `group` (each rank on its equal share
    /// of every global batch) and with one process on the whole batches;
    /// returns the largest relative difference (‖a − b‖ / ‖b‖ per parameter)
    /// and whether every parameter is bitwise equal.
    public static func compare(
        group: some ProcessGroup, steps: Int = 3, optimizer: () -> any Optimizer
    ) throws -> (relative: Double, bitwise: Bool) {
        try compare(gpt2, group: group, steps: steps, optimizer: optimizer)
    }

    /// `compare` for any task.
    public static func compare<M: Module>(
        _ task: Task<M>, group: some ProcessGroup, steps: Int = 3, optimizer: () -> any Optimizer
    ) throws -> (relative: Double, bitwise: Bool) {
        let reference = task.makeModel()
        let referenceOptimizer = optimizer()
        for step in 0..<steps {
            let (_, gradients) = try grad(of: reference) { m in task.loss(m, step, 0..<task.rows) }
            try referenceOptimizer.update(reference, gradients: gradients)
        }

        let trainer = try FSDPTrainer(model: task.makeModel(), optimizer: optimizer(), group: group)
        let share = task.rows / group.size
        for step in 0..<steps {
            try trainer.step { m in task.loss(m, step, (group.rank * share)..<((group.rank + 1) * share)) }
        }
        let trained = try trainer.gatheredParameters()
        let expected = try Graph.state(reference, .param)
        var worst = 0.0, bitwise = true
        for (path, leaf) in expected.flat {
            guard let other = trained[path] else { return (.infinity, false) }
            bitwise = bitwise && other.value == leaf.value
            let a = other.value.scalars(as: Float.self), b = leaf.value.scalars(as: Float.self)
            var difference = 0.0, norm = 0.0
            for i in b.indices {
                difference += Double(a[i] - b[i]) * Double(a[i] - b[i])
                norm += Double(b[i]) * Double(b[i])
            }
            worst = max(worst, norm == 0 ? difference.squareRoot() : (difference / norm).squareRoot())
        }
        return (worst, bitwise)
    }

    /// The FSDP training checks (run when the group size divides the batch).
    public static let all: [DistributedCheck] = [
        DistributedCheck("FSDP training (SGD) equals one process to 1e-6") { group in
            guard rows % group.size == 0 else { return nil }
            let result = try compare(group: group) { SGD(learningRate: 0.1, momentum: 0.9) }
            return result.relative <= 1e-6 ? nil : "relative difference \(result.relative)"
        },
        // Adam divides by √v, so gradients near zero that differ in their last
        // bits (per-rank partial sums are added in another order than one
        // batch's sum) move by up to the learning rate: agreement is ~1e-4.
        DistributedCheck("FSDP training (Adam) equals one process to 1e-3") { group in
            guard rows % group.size == 0 else { return nil }
            let result = try compare(group: group) { Adam(learningRate: 0.01) }
            return result.relative <= 1e-3 ? nil : "relative difference \(result.relative)"
        },
        DistributedCheck("FSDP two-spirals MLP (SGD) equals one process to 1e-6") { group in
            guard spirals.rows % group.size == 0 else { return nil }
            let result = try compare(spirals, group: group, steps: 5) { SGD(learningRate: 0.2) }
            return result.relative <= 1e-6 ? nil : "relative difference \(result.relative)"
        },
        DistributedCheck("FSDP training on one rank is bitwise one process") { group in
            guard group.size == 1 else { return nil }
            return try compare(group: group) { Adam(learningRate: 0.01) }.bitwise ? nil : "not bitwise equal"
        },
        DistributedCheck("FSDP keeps 1/N of the parameters resident") { group in
            let trainer = try FSDPTrainer(model: GPT2(.tiny, key: RandomKey(seed: 0)), optimizer: SGD(learningRate: 0.1), group: group)
            let total = try Graph.state(GPT2(.tiny, key: RandomKey(seed: 0)), .param).byteCount
            let resident = try Graph.state(trainer.model).residentByteCount
            let share = Double(resident) / Double(total)
            guard resident == trainer.residentParameterBytes || group.size == 1 else {
                return "model holds \(resident) bytes, trainer \(trainer.residentParameterBytes)"
            }
            return abs(share - 1 / Double(group.size)) < 0.02 ? nil : "resident share \(share)"
        },
    ]
}
