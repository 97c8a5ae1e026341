import ArborTensor

/// The loss of `body(model)` and its gradient with respect to the variables of
/// `model` that `filter` selects, as a `State` with exactly those paths and kinds.
///
/// The selected variables are watched on a fresh `GradientTape`, `body` runs
/// with that tape current, and the original (unmarked) values are put back
/// afterwards even when `body` throws. A variable shared by two paths is one
/// object, watched once, so its gradient (the sum over both uses) appears once,
/// under the path `Graph.state` gives it. Variables `body` never used get zeros.
/// For gradients with respect to inputs as well, use `grad(of:wrt:inputs:_:)`.
///
/// ```swift
/// let (loss, grads) = try grad(of: model) { m in m(x).crossEntropy(labels: y) }
/// ```
public func grad<M: Module>(
    of model: M, wrt filter: Filter = .param, _ body: (M) throws -> Tensor
) throws -> (loss: Tensor, gradients: State) {
    let result = try differentiate(model, filter, inputs: []) { m, _ in try body(m) }
    return (result.loss, result.gradients)
}

/// The loss of `body(model, inputs)` with its gradients with respect to the
/// selected variables *and* to each of `inputs`, from one backward pass — for
/// saliency maps, adversarial examples or input-space penalties. `body` must
/// compute from the tensors it is handed (they are the watched copies).
///
/// ```swift
/// let (loss, grads, inputGrads) = try grad(of: model, inputs: [x]) { m, xs in m(xs[0]).sum() }
/// // inputGrads[0] has x's shape: ∂loss/∂x
/// ```
public func grad<M: Module>(
    of model: M, wrt filter: Filter = .param, inputs: [Tensor], _ body: (M, [Tensor]) throws -> Tensor
) throws -> (loss: Tensor, gradients: State, inputGradients: [Tensor]) {
    try differentiate(model, filter, inputs: inputs, body)
}

/// The one backward pass behind both `grad` forms.
private func differentiate<M: Module>(
    _ model: M, _ filter: Filter, inputs: [Tensor], _ body: (M, [Tensor]) throws -> Tensor
) throws -> (loss: Tensor, gradients: State, inputGradients: [Tensor]) {
    let (capture, _) = try GraphCapture.capture(model)
    var selected: [Int] = []
    for (index, path) in capture.leafPaths.enumerated() where filter.matches(path, capture.states[index]) {
        selected.append(index)
    }
    let tape = GradientTape()
    var originals: [Tensor] = []
    var watched: [Tensor] = []
    for index in selected {
        let variable = capture.variables[index]
        originals.append(variable.value)
        let marked = tape.watch(variable.value)
        watched.append(marked)
        variable.value = marked
    }
    defer {
        for (position, index) in selected.enumerated() { capture.variables[index].value = originals[position] }
    }
    let watchedInputs = inputs.map { tape.watch($0) }
    let loss = try tape.record { try body(model, watchedInputs) }
    precondition(loss.elementCount == 1, "grad(of:wrt:): the loss must be a scalar, got shape \(loss.shape)")
    let gradients = tape.gradients(of: loss, wrt: watched + watchedInputs)
    var entries: [(Path, VariableState)] = []
    for (position, index) in selected.enumerated() {
        let leaf = capture.states[index]
        entries.append((capture.leafPaths[index], VariableState(kind: leaf.kind, value: gradients[position])))
    }
    return (loss.detached(), try State(flat: entries), Array(gradients[watched.count...]))
}
