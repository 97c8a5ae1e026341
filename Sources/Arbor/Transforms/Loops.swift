import ArborTensor

/// Structured loops over a carry of modules, with the guarantees of
/// `jax.lax`/`nnx` loops but run eagerly: the carry is split once up front
/// (distinct modules stay distinct, one module passed twice is one object,
/// tied variables stay tied), the body runs on the live objects, and after
/// every iteration the carry is split again and compared with the first —
/// a body that adds or removes a variable, or changes a kind, shape, dtype,
/// setting or sharing, fails with a `LoopError` naming each path and change.
///
/// All three loops take a carry of one, two or three modules (`foriLoop` and
/// `whileLoop` any number, through a parameter pack; `scan` has an overload per
/// count because Swift cannot yet call a closure whose pack is followed by
/// another parameter). One module's paths are its own (`extra`); several
/// modules' sit under `0`, `1`, … as in `Graph.split(a, b)`.
struct CarryReference {
    let graphdef: GraphDef<[any Module]>
    let state: State

    init(_ modules: [any Module]) throws(GraphError) {
        (graphdef, state) = try CarryReference.split(modules)
    }

    private static func split(_ modules: [any Module]) throws(GraphError) -> (GraphDef<[any Module]>, State) {
        let (capture, root) = modules.count == 1
            ? try GraphCapture.capture(modules[0]) : try GraphCapture.capture(modules)
        return (capture.graphDef(root: root), capture.state)
    }

    func check(_ modules: [any Module], iteration: Int) throws {
        let (graphdef, state) = try CarryReference.split(modules)
        let problems = state.mismatches(against: self.state)
        if !problems.isEmpty { throw LoopError.carryChanged(iteration: iteration, problems: problems) }
        if graphdef != self.graphdef { throw LoopError.carryStructureChanged(iteration: iteration) }
    }
}

/// The modules of a carry, in order, as a list.
private func modules<each M: Module>(_ carry: repeat each M) -> [any Module] {
    var list: [any Module] = []
    for module in repeat each carry { list.append(module) }
    return list
}

/// Runs `body(i, carry…)` for `i` in `lower..<upper`, threading a carry of one
/// or more modules, and checks the carry's structure after every iteration
/// (see `LoopError`).
///
/// ```swift
/// let trained = try foriLoop(0, 10, carry: model) { i, m in try train(m); return m }
/// let (g, d) = try foriLoop(0, 10, carry: (generator, critic)) { i, g, d in …; return (g, d) }
/// ```
public func foriLoop<each M: Module>(
    _ lower: Int, _ upper: Int, carry: (repeat each M), _ body: (Int, repeat each M) throws -> (repeat each M)
) throws -> (repeat each M) {
    let reference = try CarryReference(modules(repeat each carry))
    var current = carry
    for i in lower..<max(lower, upper) {
        current = try body(i, repeat each current)
        try reference.check(modules(repeat each current), iteration: i)
    }
    return current
}

/// Runs `body` while `condition(carry…)` holds, with `foriLoop`'s carry checks
/// (iterations in errors count from 0).
///
/// ```swift
/// let m = try whileLoop(carry: model, while: { $0.steps < 100 }) { m in try train(m); return m }
/// ```
public func whileLoop<each M: Module>(
    carry: (repeat each M), while condition: (repeat each M) throws -> Bool,
    _ body: (repeat each M) throws -> (repeat each M)
) throws -> (repeat each M) {
    let reference = try CarryReference(modules(repeat each carry))
    var current = carry
    var iteration = 0
    while try condition(repeat each current) {
        current = try body(repeat each current)
        try reference.check(modules(repeat each current), iteration: iteration)
        iteration += 1
    }
    return current
}

/// Folds `body` over `inputs`, threading a module carry and collecting one
/// output per input (`jax.lax.scan`), with `foriLoop`'s carry checks.
///
/// ```swift
/// let (model, losses) = try scan(carry: model, over: batches) { m, batch in (m, try step(m, batch)) }
/// ```
public func scan<M: Module, X, Y>(
    carry: M, over inputs: [X], _ body: (M, X) throws -> (M, Y)
) throws -> (carry: M, outputs: [Y]) {
    try scanCarry(carry, { modules($0) }, inputs, body)
}

/// `scan` over a pair carry `(a, b)`.
public func scan<A: Module, B: Module, X, Y>(
    carry: (A, B), over inputs: [X], _ body: (A, B, X) throws -> ((A, B), Y)
) throws -> (carry: (A, B), outputs: [Y]) {
    try scanCarry(carry, { modules($0.0, $0.1) }, inputs) { carry, x in try body(carry.0, carry.1, x) }
}

/// `scan` over a carry of three modules `(a, b, c)`.
public func scan<A: Module, B: Module, C: Module, X, Y>(
    carry: (A, B, C), over inputs: [X], _ body: (A, B, C, X) throws -> ((A, B, C), Y)
) throws -> (carry: (A, B, C), outputs: [Y]) {
    try scanCarry(carry, { modules($0.0, $0.1, $0.2) }, inputs) { carry, x in try body(carry.0, carry.1, carry.2, x) }
}

/// The one `scan` loop behind the overloads.
private func scanCarry<Carry, X, Y>(
    _ carry: Carry, _ list: (Carry) -> [any Module], _ inputs: [X], _ body: (Carry, X) throws -> (Carry, Y)
) throws -> (carry: Carry, outputs: [Y]) {
    let reference = try CarryReference(list(carry))
    var current = carry
    var outputs: [Y] = []
    outputs.reserveCapacity(inputs.count)
    for (iteration, input) in inputs.enumerated() {
        let (next, output) = try body(current, input)
        current = next
        outputs.append(output)
        try reference.check(list(current), iteration: iteration)
    }
    return (current, outputs)
}
