import Arbor
import ArborDistributed

/// What an FSDP run of a `TrainingTask` ended with.
public struct FSDPTrainingResult {
    /// The trained parameters, whole (gathered from every rank).
    public let parameters: State
    /// The mean loss over ranks of every step.
    public let losses: [Float]
    /// Parameter bytes each rank held between steps, by rank.
    public let residentBytes: [Int]
    /// Bytes of the whole (unsharded) parameters.
    public let fullBytes: Int
}

extension TrainingTask {
    /// Trains `steps` steps with `FSDPTrainer` on `group`: rank `r` computes
    /// the loss of its share `rows(rank:of:)` of every global batch. Every rank
    /// calls it; `progress` is called on every rank after each step with the
    /// step (from 1) and the mean loss over ranks.
    public func trainFSDP(
        group: some ProcessGroup, steps: Int, optimizer: any Optimizer,
        progress: (Int, Float) -> Void = { _, _ in }
    ) throws -> FSDPTrainingResult {
        let trainer = try FSDPTrainer(model: makeModel(), optimizer: optimizer, group: group)
        let mine = rows(rank: group.rank, of: group.size)
        var losses: [Float] = []
        for step in 0..<steps {
            let value = try trainer.step { model in loss(model, step, mine) }
            losses.append(value)
            progress(step + 1, value)
        }
        let parameters = try trainer.gatheredParameters()
        let resident = try group.allGather(concatenating: Tensor([Int64(trainer.residentParameterBytes)]))
        return FSDPTrainingResult(parameters: parameters, losses: losses,
                                  residentBytes: resident.scalars(as: Int64.self).map { Int($0) },
                                  fullBytes: parameters.byteCount)
    }

    /// The single-process reference of an FSDP run on `ranks` ranks: every
    /// step takes the mean gradient of the `ranks` shares of the global batch
    /// with `accumulatedGrad` (each share's mean gradient in rank order,
    /// summed in rank order, × 1/N), the arithmetic of `FSDPTrainer`, so the
    /// result is bitwise the FSDP run's. Returns the trained parameters.
    public func trainAccumulated(ranks: Int, steps: Int, optimizer: any Optimizer) throws -> State {
        let model = makeModel()
        for step in 0..<steps {
            let (_, gradients) = try accumulatedGrad(of: model, microBatches: ranks) { m, rank in
                loss(m, step, rows(rank: rank, of: ranks))
            }
            try optimizer.update(model, gradients: gradients)
        }
        return try Graph.state(model, .param)
    }

    /// A plain single-process run: one mean over each whole global batch.
    /// Returns the trained parameters.
    public func trainGlobalBatch(steps: Int, optimizer: any Optimizer) throws -> State {
        let model = makeModel()
        for step in 0..<steps {
            let (_, gradients) = try grad(of: model) { m in loss(m, step, 0..<globalBatch) }
            try optimizer.update(model, gradients: gradients)
        }
        return try Graph.state(model, .param)
    }
}
