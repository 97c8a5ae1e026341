import ArborTensor

/// The mean loss and mean gradient over `microBatches` micro-batches, computed
/// one micro-batch at a time (gradient accumulation), in the exact arithmetic
/// of data-parallel training: micro-batch `i`'s mean gradient is computed by
/// `body(model, i)`, the gradients are summed as a left fold in order
/// 0, 1, …, N−1, and the sum is multiplied by `1/N` (a float32 `Float`).
///
/// That is what `FSDPTrainer` does with one micro-batch per rank (each rank's
/// mean gradient, reduced in rank order, × 1/N), so a single process that
/// steps with these gradients reproduces an N-rank run bit for bit. One mean
/// over the whole global batch rounds differently: fine for SGD (≈1e-7), but
/// Adam's `m / √v` amplifies those last bits to ≈1e-4.
///
/// ```swift
/// let (loss, grads) = try accumulatedGrad(of: model, microBatches: 4) { m, i in
///     m(x[i]).crossEntropy(labels: y[i])
/// }
/// try optimizer.update(model, gradients: grads)
/// ```
public func accumulatedGrad<M: Module>(
    of model: M, wrt filter: Filter = .param, microBatches: Int, _ body: (M, Int) throws -> Tensor
) throws -> (loss: Tensor, gradients: State) {
    precondition(microBatches >= 1, "accumulatedGrad: microBatches must be at least 1, got \(microBatches)")
    var loss: Tensor?
    var sums: [Tensor] = []
    var template: State?
    for index in 0..<microBatches {
        let (value, gradients) = try grad(of: model, wrt: filter) { m in try body(m, index) }
        let parts = gradients.leaves.map { $0.value.detached() }
        if let previous = loss {
            loss = previous + value.detached()
            for position in sums.indices { sums[position] = sums[position] + parts[position] }
        } else {
            loss = value.detached()
            sums = parts
            template = gradients
        }
    }
    let scale = 1 / Float(microBatches)
    var entries: [(Path, VariableState)] = []
    if let template {
        for (position, (path, leaf)) in template.flat.enumerated() {
            entries.append((path, VariableState(kind: leaf.kind, value: sums[position] * scale)))
        }
    }
    return ((loss ?? Tensor(scalar: Float(0))) * scale, try State(flat: entries))
}
