import Arbor
import ArborDistributed
import ArborExamples
import ArborTensor

/// FSDP training on N ranks against one process training on the same global batches.
public enum FSDPChecks {
    /// Next-token prediction with a small GPT-2 (one layer, width 8, tied
    /// head) on 12 sequences of 6 tokens per batch (12 is divisible by 1, 2, 3, 4 and 6).
    public static let gpt2 = TrainingTask.gpt2(
        GPT2Config(vocabularySize: 16, positions: 8, width: 8, layers: 1, heads: 2), length: 6, globalBatch: 12, seed: 5)

    /// The two-spirals data set with a tanh MLP, 24 points per batch.
    public static let spirals = TrainingTask.spirals(globalBatch: 24, seed: 3)

    /// An FSDP run compared with the two single-process runs.
    public struct Comparison: Sendable {
        /// Against one process accumulating the ranks' mean gradients in rank
        /// order (`TrainingTask.trainAccumulated`): the same arithmetic, so bitwise.
        public let accumulated: ParameterAgreement
        /// Against one process taking one mean over each whole global batch
        /// (`TrainingTask.trainGlobalBatch`): equal up to rounding.
        public let globalBatch: ParameterAgreement
    }

    /// Trains `steps` steps of `task` with FSDP on `group` (each rank on its
    /// equal share of every global batch) and compares the gathered
    /// parameters with the single-process runs on the same global batches.
    public static func compare<M: Module>(
        _ task: TrainingTask<M> , group: some ProcessGroup, steps: Int = 3, optimizer: () -> any Optimizer
    ) throws -> Comparison {
        let trained = try task.trainFSDP(group: group, steps: steps, optimizer: optimizer()).parameters
        let accumulated = try task.trainAccumulated(ranks: group.size, steps: steps, optimizer: optimizer())
        let global = try task.trainGlobalBatch(steps: steps, optimizer: optimizer())
        return Comparison(accumulated: ParameterAgreement(trained, reference: accumulated),
                          globalBatch: ParameterAgreement(trained, reference: global))
    }

    /// A check that FSDP on the group equals the accumulating single process
    /// bitwise and the plain global-batch run to `globalTolerance`.
    static func agreement<M: Module & SendableMetatype>(
        _ name: String, _ task: TrainingTask<M>, steps: Int = 3, globalTolerance: Double,
        optimizer: @escaping @Sendable () -> any Optimizer
    ) -> DistributedCheck {
        DistributedCheck(name) { group in
            guard task.globalBatch % group.size == 0 else { return nil }
            let result = try compare(task, group: group, steps: steps, optimizer: optimizer)
            guard result.accumulated.bitwise else {
                return "not bitwise equal to the accumulating run (relative \(result.accumulated.maxRelative))"
            }
            guard result.globalBatch.maxRelative <= globalTolerance else {
                return "global-batch run differs by \(result.globalBatch.maxRelative) > \(globalTolerance)"
            }
            return nil
        }
    }

    /// The FSDP training checks (run when the group size divides the batch).
    /// Adam divides by √v, so against one mean over the whole batch (whose
    /// sums round differently from the ranks' partial means) it agrees only
    /// to ~1e-4; against the accumulating reference it is bitwise.
    public static let all: [DistributedCheck] = [
        agreement("FSDP GPT-2 (SGD) is bitwise one accumulating process; 1e-6 of one global-batch mean",
                  gpt2, globalTolerance: 1e-6) { SGD(learningRate: 0.1, momentum: 0.9) },
        agreement("FSDP GPT-2 (Adam) is bitwise one accumulating process; 1e-3 of one global-batch mean",
                  gpt2, globalTolerance: 1e-3) { Adam(learningRate: 0.01) },
        agreement("FSDP two-spirals MLP (SGD) is bitwise one accumulating process; 1e-6 of one global-batch mean",
                  spirals, steps: 5, globalTolerance: 1e-6) { SGD(learningRate: 0.2) },
        agreement("FSDP two-spirals MLP (Adam) is bitwise one accumulating process; 1e-3 of one global-batch mean",
                  spirals, steps: 5, globalTolerance: 1e-3) { Adam(learningRate: 0.01) },
        DistributedCheck("FSDP training on one rank is bitwise one global-batch process") { group in
            guard group.size == 1 else { return nil }
            return try compare(gpt2, group: group) { Adam(learningRate: 0.01) }.globalBatch.bitwise ? nil : "not bitwise equal"
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
