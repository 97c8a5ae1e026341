import ArborTensor

/// The loss of `body(model)` and its gradient with respect to the variables of
/// `model` that `filter` selects, as a `State` with exactly those paths and kinds.
///
/// The selected variables are watched on a fresh `GradientTape`, `body` runs
/// with that tape current, and the original (unmarked) values are put back
/// afterwards even when `body` throws. A variable shared by two paths is one
/// object, watched once, so its gradient (the sum over both uses) appears once,
/// under the path `Graph.state` gives it. Variables `body` never used get zeros.
///
/// ```swift
/// let (loss, grads) = try grad(of: model) { m in m(x).crossEntropy(labels: y) }
/// ```
public func grad<M: Module>(
    of model: M, wrt filter: Filter = .param, _ body: (M) throws -> Tensor
) throws -> (loss: Tensor, gradients: State) {
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
    let loss = try tape.record { try body(model) }
    precondition(loss.elementCount == 1, "grad(of:wrt:): the loss must be a scalar, got shape \(loss.shape)")
    let gradients = tape.gradients(of: loss, wrt: watched)
    var entries: [(Path, VariableState)] = []
    for (position, index) in selected.enumerated() {
        let leaf = capture.states[index]
        entries.append((capture.leafPaths[index], VariableState(kind: leaf.kind, value: gradients[position])))
    }
    return (loss.detached(), try State(flat: entries))
}
