import ArborTensor

/// A gradient-descent rule whose whole memory (moments, step count) is a
/// `State`, so a checkpoint saves and restores it like any model state.
///
/// The built-in optimizers take the arguments of their `torch.optim`
/// namesakes, with the learning rate as a number or a `Schedule`:
///
/// ```swift
/// let opt = AdamW(learningRate: 1e-3, weightDecay: 0.01)
/// // or AdamW(learningRate: .cosine(peak: 1e-3, warmupSteps: 10, totalSteps: 500))
/// let (loss, grads) = try grad(of: model) { m in m(x).crossEntropy(labels: y) }
/// try opt.update(model, gradients: grads)
/// let saved = opt.state                // paths m/<param>, v/<param>, step: save it with the model
/// ```
public protocol Optimizer: AnyObject {
    /// Everything the optimizer remembers, as a tree mirroring the params.
    var state: State { get }
    /// Replaces the optimizer's memory with a saved `state` (from `state`).
    func load(_ state: State) throws(OptimizerError)
    /// Applies one step to the variables of `model` named by `gradients`' paths.
    func update(_ model: some Module, gradients: State) throws
}

/// The kind of optimizer-state leaves (`OptState`), so filters and checkpoints
/// can tell them from params.
public final class OptState: Variable {
    /// Optimizer memory is its own kind, so `.param` filters never pick it up.
    override public class var kind: VariableKind { VariableKind("OptState") }
}

/// A problem with a state handed to an optimizer.
public enum OptimizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A required leaf is missing or has the wrong dtype/shape.
    case invalidState(path: Path, reason: String)

    /// The message a user reads, naming the path that does not fit.
    public var description: String {
        switch self {
        case .invalidState(let path, let reason): "optimizer state at \(path): \(reason)"
        }
    }
}

/// Shared bookkeeping: a step counter and named per-parameter slots of f32 buffers.
struct OptimizerSlots {
    var step: Int64 = 0
    /// slot name → param path → buffer
    var buffers: [String: [Path: [Float]]] = [:]
    let names: [String]

    init(names: [String]) {
        self.names = names
        for name in names { buffers[name] = [:] }
        VariableKind.registerIfAbsent(OptState.self)
    }

    var state: State {
        var entries: [(Path, VariableState)] = [(Path(["step"]), VariableState(kind: OptState.kind, value: Tensor(scalar: step)))]
        for name in names {
            for (path, values) in buffers[name] ?? [:] {
                entries.append((Path([.name(name)]).appending(path), VariableState(kind: OptState.kind, value: Tensor(values))))
            }
        }
        // Paths are "step" and slot names over distinct model paths: always a valid tree.
        do { return try State(flat: entries) } catch { preconditionFailure("Optimizer.state: \(error)") }
    }

    mutating func load(_ state: State) throws(OptimizerError) {
        let stepPath = Path(["step"])
        guard let stepLeaf = state[stepPath], stepLeaf.dtype == .int64, stepLeaf.value.elementCount == 1 else {
            throw .invalidState(path: stepPath, reason: "needs an Int64 scalar step")
        }
        var loaded: [String: [Path: [Float]]] = [:]
        for name in names { loaded[name] = [:] }
        for (path, leaf) in state.flat where path != stepPath {
            guard let first = path.keys.first?.name, names.contains(first) else {
                throw .invalidState(path: path, reason: "unexpected path; slots are \(names)")
            }
            guard leaf.dtype == .float32 else { throw .invalidState(path: path, reason: "dtype \(leaf.dtype), expected float32") }
            loaded[first]?[path.dropping(prefix: Path([.name(first)]))] = leaf.value.scalars(as: Float.self)
        }
        let loadedStep = stepLeaf.value.scalars(as: Int64.self)[0]
        // A restored state is input: a negative step would index before the first
        // batch and run schedules backwards, Int64.max would overflow the next step.
        guard loadedStep >= 0, loadedStep < Int64.max else {
            throw .invalidState(path: stepPath, reason: "step \(loadedStep) is not a step count (0 ..< Int64.max)")
        }
        step = loadedStep
        buffers = loaded
    }

    /// Counts one more step, first checking that every buffer holds one value
    /// per element of `model`'s variable at its path: a loaded state whose
    /// moments have another shape (another model's checkpoint, or an edited
    /// one) is an error naming the buffer, not an index out of range in the update.
    mutating func countStep(for model: some Module) throws {
        let current = try Graph.state(model)
        for (name, byPath) in buffers {
            for (path, values) in byPath {
                guard let leaf = current[path], values.count != leaf.value.elementCount else { continue }
                throw OptimizerError.invalidState(
                    path: Path([.name(name)]).appending(path),
                    reason: "\(values.count) values for the variable \(path) of shape \(leaf.shape); "
                        + "the state was saved for another model")
            }
        }
        // `load` keeps the step below Int64.max; a fresh optimizer would need 2^63 updates.
        step += 1
    }

    /// Applies `rule(path, param, grad)` → new param for each gradient leaf.
    static func apply(
        _ model: some Module, gradients: State, rule: (Path, inout [Float], [Float]) -> Void
    ) throws {
        let current = try Graph.state(model)
        var entries: [(Path, VariableState)] = []
        for (path, gradLeaf) in gradients.flat {
            guard let leaf = current[path] else {
                throw OptimizerError.invalidState(path: path, reason: "the model has no variable at this gradient's path")
            }
            // Gradients come from `grad(of:)` of this model, never from a file: a mismatch is a caller's bug.
            precondition(leaf.shape == gradLeaf.shape && leaf.dtype == .float32,
                         "Optimizer.update: \(path) is \(leaf.dtype) \(leaf.shape), gradient \(gradLeaf.dtype) \(gradLeaf.shape)")
            var values = leaf.value.scalars(as: Float.self)
            rule(path, &values, gradLeaf.value.detached().scalars(as: Float.self))
            entries.append((path, VariableState(kind: leaf.kind, value: Tensor(values, shape: leaf.shape), metadata: leaf.metadata)))
        }
        try Graph.update(model, try State(flat: entries))
    }
}
