import ArborTensor

/// Structured loops over a carry of modules, with the guarantees of
/// `jax.lax`/`nnx` loops but run eagerly: the carry is split once up front
/// (distinct modules stay distinct, one module passed twice is one object,
/// tied variables stay tied), the body runs on the live objects, and after
/// every iteration the carry is split again and compared with the first —
/// a body that adds or removes a variable, or changes a kind, shape, dtype,
/// setting or sharing, fails with a `LoopError` naming each path and change.
struct CarryReference<Root> {
    let graphdef: GraphDef<Root>
    let state: State

    func check(_ split: (GraphDef<Root>, State), iteration: Int) throws {
        let problems = split.1.mismatches(against: state)
        if !problems.isEmpty { throw LoopError.carryChanged(iteration: iteration, problems: problems) }
        if split.0 != graphdef { throw LoopError.carryStructureChanged(iteration: iteration) }
    }
}

/// Runs `body(i, carry)` for `i` in `lower..<upper`, threading a module carry,
/// and checks the carry's structure after every iteration (see `LoopError`).
///
/// ```swift
/// let trained = try foriLoop(0, 10, carry: model) { i, m in try train(m); return m }
/// ```
public func foriLoop<M: Module>(_ lower: Int, _ upper: Int, carry: M, _ body: (Int, M) throws -> M) throws -> M {
    let (graphdef, state) = try Graph.split(carry)
    let reference = CarryReference(graphdef: graphdef, state: state)
    var current = carry
    for i in lower..<max(lower, upper) {
        current = try body(i, current)
        try reference.check(try Graph.split(current), iteration: i)
    }
    return current
}

/// `foriLoop` over a pair carry `(a, b)`: two distinct modules stay distinct,
/// the same module passed twice stays one object, ties across them stay tied.
public func foriLoop<A: Module, B: Module>(
    _ lower: Int, _ upper: Int, carry: (A, B), _ body: (Int, A, B) throws -> (A, B)
) throws -> (A, B) {
    let (graphdef, state) = try Graph.split(carry.0, carry.1)
    let reference = CarryReference(graphdef: graphdef, state: state)
    var (a, b) = carry
    for i in lower..<max(lower, upper) {
        (a, b) = try body(i, a, b)
        try reference.check(try Graph.split(a, b), iteration: i)
    }
    return (a, b)
}

/// Runs `body` while `condition(carry)` holds, with `foriLoop`'s carry checks
/// (iterations in errors count from 0).
public func whileLoop<M: Module>(carry: M, while condition: (M) throws -> Bool, _ body: (M) throws -> M) throws -> M {
    let (graphdef, state) = try Graph.split(carry)
    let reference = CarryReference(graphdef: graphdef, state: state)
    var current = carry
    var iteration = 0
    while try condition(current) {
        current = try body(current)
        try reference.check(try Graph.split(current), iteration: iteration)
        iteration += 1
    }
    return current
}

/// Folds `body` over `inputs`, threading a module carry and collecting one
/// output per input (`jax.lax.scan`), with `foriLoop`'s carry checks.
public func scan<M: Module, X, Y>(
    carry: M, over inputs: [X], _ body: (M, X) throws -> (M, Y)
) throws -> (carry: M, outputs: [Y]) {
    let (graphdef, state) = try Graph.split(carry)
    let reference = CarryReference(graphdef: graphdef, state: state)
    var current = carry
    var outputs: [Y] = []
    outputs.reserveCapacity(inputs.count)
    for (iteration, input) in inputs.enumerated() {
        let (next, output) = try body(current, input)
        current = next
        outputs.append(output)
        try reference.check(try Graph.split(current), iteration: iteration)
    }
    return (current, outputs)
}
