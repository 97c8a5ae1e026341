import Foundation

/// Where a traced tensor came from: a node on one tape.
///
/// Tensors carry this mark (see `Tensor.traceMark`); a tensor without one is a
/// constant. Marks from a tape that is not the one recording are ignored, so a
/// tensor that escapes its tape is a plain constant afterwards.
public struct TraceMark: Hashable, Sendable {
    /// The tape that recorded the node.
    public let tapeID: UInt64
    /// The node's position on that tape.
    public let node: Int
}

/// Reverse-mode automatic differentiation by recording.
///
/// While `record` runs its body, every differentiable `Tensor` operation whose
/// inputs include a watched (or derived-from-watched) tensor appends a node: the
/// indices of its inputs and a *pullback* that maps the gradient of its output to
/// gradients of its inputs. `gradients(of:wrt:)` then walks the nodes backwards
/// from the loss, summing each node's contributions into its inputs, which is the
/// whole algorithm (chain rule over a topologically ordered list):
///
/// ```swift
/// let tape = GradientTape()
/// let w = tape.watch(weights)
/// let loss = tape.record { (matmul(x, w).relu() - y).squared().mean() }
/// let dw = tape.gradients(of: loss, wrt: [w])[0]
/// ```
///
/// Gradients are keyed by the *identity* of the watched tensors (their
/// `TraceMark`), not by position or value, so a module-level `grad` can watch each
/// parameter, run the model, and read the gradient of every parameter back by the
/// tensor it put in. The tape is `Sendable`: appends are serialized by a lock, and
/// the recording tape is a task-local, so concurrent tasks never share one by
/// accident.
public final class GradientTape: Sendable {
    /// Maps the gradient of a node's output to gradients of its inputs, in input
    /// order; `wanted[i]` is false when input `i` needs none (return `nil` there).
    public typealias Pullback = @Sendable (_ gradient: Tensor, _ wanted: [Bool]) -> [Tensor?]

    struct Node: Sendable {
        /// Node indices of the inputs; `nil` for constants.
        let inputs: [Int?]
        let shape: [Int]
        /// `nil` for watched leaves.
        let pullback: Pullback?
    }

    /// The tape operations record onto, set by `record`.
    @TaskLocal static var current: GradientTape?

    private static let counter = IDCounter()
    /// Distinguishes this tape's marks from every other tape's.
    public let id: UInt64
    private let lock = NSLock()
    nonisolated(unsafe) private var nodes: [Node] = []

    /// A new, empty tape.
    public init() { id = GradientTape.counter.next() }

    /// Number of nodes recorded so far (leaves included).
    public var nodeCount: Int { lock.withLock { nodes.count } }

    /// Makes `tensor` a leaf to differentiate with respect to; returns it marked.
    /// Each call makes a new leaf, even for the same values.
    public func watch(_ tensor: Tensor) -> Tensor {
        var traced = tensor
        traced.traceMark = TraceMark(tapeID: id, node: append(Node(inputs: [], shape: tensor.shape, pullback: nil)))
        return traced
    }

    /// Runs `body` with this tape recording the operations it performs.
    public func record<R>(_ body: () throws -> R) rethrows -> R {
        try GradientTape.$current.withValue(self, operation: body)
    }

    /// Runs async `body` with this tape recording; child tasks it starts record
    /// onto the same tape (appends are serialized).
    public func record<R>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R) async rethrows -> R {
        try await GradientTape.$current.withValue(self, operation: body)
    }

    private func append(_ node: Node) -> Int {
        lock.withLock {
            nodes.append(node)
            return nodes.count - 1
        }
    }

    /// Records `output` as computed from `inputs` when a tape is recording and any
    /// input is traced on it; otherwise returns `output` unchanged. Every
    /// differentiable op ends with this call.
    static func recordOperation(_ output: Tensor, inputs: [Tensor], pullback: @escaping Pullback) -> Tensor {
        guard inputs.contains(where: { $0.traceMark != nil }), let tape = current else { return output }
        let parents = inputs.map { $0.traceMark?.tapeID == tape.id ? $0.traceMark?.node : nil }
        guard parents.contains(where: { $0 != nil }) else { return output }
        var traced = output
        traced.traceMark = TraceMark(
            tapeID: tape.id, node: tape.append(Node(inputs: parents, shape: output.shape, pullback: pullback)))
        return traced
    }

    /// Gradients of `loss` (summed over its elements when it is not a scalar) with
    /// respect to each of `leaves`, which must have come from `watch` on this tape.
    /// A leaf the loss does not depend on gets zeros of its shape.
    public func gradients(of loss: Tensor, wrt leaves: [Tensor]) -> [Tensor] {
        let leafNodes: [Int] = leaves.map { leaf in
            guard let mark = leaf.traceMark, mark.tapeID == id else {
                preconditionFailure("GradientTape.gradients: a tensor of shape \(leaf.shape) was not watched on this tape")
            }
            return mark.node
        }
        let table = backpropagate(from: loss, to: Set(leafNodes))
        return zip(leaves, leafNodes).map { leaf, node in table[node] ?? Tensor(zeros: leaf.shape) }
    }

    /// The reverse sweep. Returns gradients of the wanted nodes (absent: zero).
    private func backpropagate(from loss: Tensor, to wanted: Set<Int>) -> [Int: Tensor] {
        guard let mark = loss.traceMark, mark.tapeID == id else { return [:] }
        let nodes = lock.withLock { Array(self.nodes[...mark.node]) }
        // Forward pass over the list: which nodes lie on a path to a wanted leaf.
        var relevant = [Bool](repeating: false, count: nodes.count)
        for (index, node) in nodes.enumerated() {
            relevant[index] = wanted.contains(index) || node.inputs.contains { $0.map { relevant[$0] } ?? false }
        }
        var gradients: [Int: Tensor] = [mark.node: Tensor.filled(1, shape: loss.shape)]
        var result: [Int: Tensor] = [:]
        // Pullbacks use Tensor ops; with no current tape they record nothing.
        GradientTape.$current.withValue(nil) {
            for index in stride(from: mark.node, through: 0, by: -1) {
                guard relevant[index], let gradient = gradients.removeValue(forKey: index) else { continue }
                if wanted.contains(index) { result[index] = gradient }
                let node = nodes[index]
                guard let pullback = node.pullback else { continue }
                let wantedInputs = node.inputs.map { $0.map { relevant[$0] } ?? false }
                let inputGradients = pullback(gradient, wantedInputs)
                for (input, contribution) in zip(node.inputs, inputGradients) {
                    guard let input, relevant[input], let contribution else { continue }
                    precondition(contribution.shape == nodes[input].shape,
                                 "GradientTape: pullback gave shape \(contribution.shape) for an input of shape \(nodes[input].shape)")
                    if let existing = gradients[input] {
                        gradients[input] = existing + contribution
                    } else {
                        gradients[input] = contribution
                    }
                }
            }
        }
        return result
    }
}

/// Hands out tape identities; a lock keeps it safe across threads.
private final class IDCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0

    func next() -> UInt64 {
        lock.withLock {
            value += 1
            return value
        }
    }
}

/// The value of `function` at `points` and its gradients with respect to each of
/// them: a one-call front end to `GradientTape`.
///
/// ```swift
/// let (loss, grads) = valueWithGradients(at: [w, b]) { p in (matmul(x, p[0]) + p[1]).relu().sum() }
/// ```
public func valueWithGradients(at points: [Tensor], of function: ([Tensor]) -> Tensor) -> (value: Tensor, gradients: [Tensor]) {
    let tape = GradientTape()
    let leaves = points.map(tape.watch)
    let value = tape.record { function(leaves) }
    return (value.detached(), tape.gradients(of: value, wrt: leaves))
}

extension Tensor {
    /// The same values with no trace: gradients stop here (`stop_gradient`,
    /// PyTorch's `detach`).
    public func detached() -> Tensor {
        var plain = self
        plain.traceMark = nil
        return plain
    }
}
