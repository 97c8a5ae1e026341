/// The graph operations on modules: split a model into structure and state,
/// merge them back, read and write state in place, clone, build abstractly.
///
/// They live in one namespace, like `nnx.` in Flax, so that
/// `let state = try Graph.state(model)` reads naturally and nothing collides with
/// your own properties or locals.
///
/// ```swift
/// let (graphdef, state) = try Graph.split(model)
/// let params = state.filter(.param)
/// let copy = try Graph.merge(graphdef, state)   // a new model of the same type
/// try Graph.update(model, trainedParams)        // in place, shape- and dtype-checked
/// ```
public enum Graph {
    /// Splits `model` into its structure and its state (every variable once;
    /// shared variables under their first path in sorted order).
    public static func split<M: Module>(_ model: M) throws(GraphError) -> (GraphDef<M>, State) {
        let (capture, root) = try GraphCapture.capture(model)
        return (capture.graphDef(root: root), capture.state)
    }

    /// Splits `model` and partitions its state by filters: each variable goes to
    /// the first filter that matches it; every variable must match one, and a
    /// catch-all (`.everything`) may only come last.
    ///
    /// ```swift
    /// let (graphdef, parts) = try Graph.split(model, .param, .everything)   // params, rest
    /// ```
    public static func split<M: Module>(
        _ model: M, _ first: Filter, _ rest: Filter...
    ) throws(GraphError) -> (GraphDef<M>, [State]) {
        let (graphdef, state) = try split(model)
        do {
            return (graphdef, try state.split([first] + rest))
        } catch {
            throw .filter(error)
        }
    }

    /// Splits several modules together, for example a loop carry `(m1, m2)`.
    /// Their states sit under keys `0`, `1`, …; distinct modules stay distinct,
    /// and a module passed twice is stored once (the second is an alias), so
    /// `merge` gives back one object in both places.
    public static func split<each M: Module>(
        _ modules: repeat each M
    ) throws(GraphError) -> (GraphDef<(repeat each M)>, State) {
        var list: [any Module] = []
        for module in repeat each modules { list.append(module) }
        let (capture, root) = try GraphCapture.capture(list)
        return (capture.graphDef(root: root), capture.state)
    }

    /// Builds a new model from `graphdef` and the leaves of `states` (split
    /// parts may be given in any order). Every recorded variable must be given
    /// exactly once, with the recorded shape, dtype and kind; otherwise one
    /// error lists every problem. Shared variables and modules come back shared.
    public static func merge<M: Module>(_ graphdef: GraphDef<M>, _ states: State...) throws(GraphError) -> M {
        let roots = graphdef.rootObjects
        guard roots.count == 1 else { throw .rootCount(expected: 1, found: roots.count) }
        let id = roots[0]
        let built = try rebuild(graphdef, states)
        return try object(id, as: M.self, in: built, graphdef: graphdef)
    }

    /// `merge` for a GraphDef of several modules: returns them as a tuple.
    public static func merge<each M: Module>(
        _ graphdef: GraphDef<(repeat each M)>, _ states: State...
    ) throws(GraphError) -> (repeat each M) {
        var expected = 0
        for _ in repeat (each M).self { expected += 1 }
        let roots = graphdef.rootObjects
        guard roots.count == expected else { throw .rootCount(expected: expected, found: roots.count) }
        let built = try rebuild(graphdef, states)
        var position = 0
        func next<T: Module>(_ type: T.Type) throws(GraphError) -> T {
            defer { position += 1 }
            return try object(roots[position], as: T.self, in: built, graphdef: graphdef)
        }
        return (repeat try next((each M).self))
    }

    /// A deep copy: new modules and variables with the same values (tensors are
    /// copy-on-write, so this copies no bytes until one side writes).
    public static func clone<M: Module>(_ model: M) throws(GraphError) -> M {
        let (graphdef, state) = try split(model)
        return try merge(graphdef, state)
    }

    /// The state of `model`, or of the variables `filter` selects.
    public static func state(_ model: some Module, _ filter: Filter = .everything) throws(GraphError) -> State {
        let (capture, _) = try GraphCapture.capture(model)
        let state = capture.state
        return filter.isCatchAll ? state : state.filter(filter)
    }

    /// Runs `build` so that every variable it creates is abstract: shape and
    /// dtype only, no bytes allocated and no initializer run. An abstract model
    /// is the target for restoring a checkpoint and for validating a state.
    ///
    /// ```swift
    /// let xl = GPT2Config(vocabularySize: 50257, positions: 1024, width: 1600, layers: 48, heads: 25)
    /// let target = try Graph.evalShape { GPT2(xl, key: RandomKey(seed: 0)) }   // 1.6 B parameters, no tensor bytes
    /// ```
    ///
    /// Values a builder gives as tensors (not through an initializer) are
    /// allocated while it runs and made abstract afterwards, which needs the
    /// result's modules (a module, an array of them, or a tuple's) to be
    /// traversable: when they are not (a reference cycle, a bare `Tensor`
    /// property), this throws that `GraphError` rather than return a model that
    /// is partly concrete.
    public static func evalShape<R>(_ build: () throws -> R) throws -> R {
        let result = try ShapeEvaluation.$isActive.withValue(true) { try build() }
        var roots: [any Module] = []
        if let module = result as? any Module { roots = [module] }
        else if let modules = result as? [any Module] { roots = modules }
        else { for child in Mirror(reflecting: result).children { if let m = child.value as? any Module { roots.append(m) } } }
        if !roots.isEmpty {
            let (capture, _) = try GraphCapture.capture(roots)
            for variable in capture.variables where !variable.value.isAbstract {
                variable.value = Tensor.abstract(shape: variable.value.shape, dtype: variable.value.dtype)
            }
        }
        return result
    }

    /// Whether the current task is inside `evalShape` (for layers that create
    /// tensors other than through `Variable(shape:dtype:initializer:)`).
    public static var isEvaluatingShape: Bool { ShapeEvaluation.isActive }

    // MARK: Merge internals

    private static func rebuild<Root>(_ graphdef: GraphDef<Root>, _ states: [State]) throws(GraphError) -> MergeContext {
        let (values, problems) = StateComparison.align(
            expectedPaths: graphdef.leafPaths, expected: graphdef.leaves, given: states, options: [])
        if !problems.isEmpty { throw .mismatch(StateMismatchError(problems: problems)) }
        return MergeContext(objects: graphdef.objects, objectPaths: graphdef.objectPaths, values: values)
    }

    private static func object<T, Root>(
        _ id: Int, as type: T.Type, in context: MergeContext, graphdef: GraphDef<Root>
    ) throws(GraphError) -> T {
        let made: AnyObject
        do {
            made = try context.build(id)
        } catch let failure as MergeFailure {
            switch failure.reason {
            case .missing: throw .decodingFailed(path: failure.path, message: "no recorded value")
            case .other(let message): throw .decodingFailed(path: failure.path, message: message)
            }
        } catch {
            throw .decodingFailed(path: graphdef.objectPaths[id], message: String(describing: error))
        }
        guard let result = made as? T else {
            throw .decodingFailed(path: graphdef.objectPaths[id], message: "expected \(T.self), built \(Swift.type(of: made))")
        }
        return result
    }
}
