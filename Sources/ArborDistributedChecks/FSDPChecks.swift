import Arbor
import ArborDistributed
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

    /// Trains `steps` steps with FSDP on `group` and with one process on the
    /// whole batches; returns the largest relative difference (‖a − b‖ / ‖b‖
    /// per parameter) and whether every parameter is bitwise equal.
    public static func compare(
        group: some ProcessGroup, steps: Int = 3, optimizer: () -> any Optimizer
    ) throws -> (relative: Double, bitwise: Bool) {
        let reference = GPT2(config, key: RandomKey(seed: 5))
        let referenceOptimizer = optimizer()
        for step in 0..<steps {
            let (x, y) = tensors(step, rows: 0..<rows)
            let (_, gradients) = try grad(of: reference) { m in m(x).crossEntropy(labels: y) }
            try referenceOptimizer.update(reference, gradients: gradients)
        }

        let trainer = try FSDPTrainer(model: GPT2(config, key: RandomKey(seed: 5)), optimizer: optimizer(), group: group)
        let share = rows / group.size
        for step in 0..<steps {
            let (x, y) = tensors(step, rows: (group.rank * share)..<((group.rank + 1) * share))
            try trainer.step { m in m(x).crossEntropy(labels: y) }
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
