import Arbor
import Testing

/// One parameter `w` = [1, -2], for hand-computed optimizer steps.
final class OneParam: Module {
    let w: Param
    init() { w = Param(Tensor([1, -2] as [Float])) }
}

@Suite("Optimizers")
struct OptimizerTests {
    private let gradients = try! State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor([0.5, 0.25] as [Float])))])

    private func values(_ m: OneParam) -> [Float] { m.w.value.scalars(as: Float.self) }

    @Test("SGD, momentum and Nesterov against hand-computed steps")
    func sgd() throws {
        let plain = OneParam()
        try SGD(learningRate: 0.1).update(plain, gradients: gradients)
        #expect(values(plain) == [1 - 0.05, -2 - 0.025])

        let m = OneParam(), opt = SGD(learningRate: 0.1, momentum: 0.9)
        try opt.update(m, gradients: gradients)   // b = g
        try opt.update(m, gradients: gradients)   // b = 0.9g + g = 1.9g
        let expected: [Float] = [1 - 0.1 * 0.5 - 0.1 * 1.9 * 0.5, -2 - 0.1 * 0.25 - 0.1 * 1.9 * 0.25]
        #expect(zip(values(m), expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(opt.state[Path(["momentum", "w"])]?.value.scalars(as: Float.self) == [0.95, 0.475])

        let n = OneParam(), nesterov = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        try nesterov.update(n, gradients: gradients)   // d = g + 0.9g
        #expect(zip(values(n), [1 - 0.1 * 1.9 * 0.5, -2 - 0.1 * 1.9 * 0.25] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("Adam's first step moves each weight by lr·sign(g); state is m/, v/, step")
    func adam() throws {
        let m = OneParam(), opt = Adam(learningRate: 0.01)
        try opt.update(m, gradients: gradients)
        #expect(zip(values(m), [0.99, -2.01] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(opt.state.paths.map(\.description) == ["m/w", "step", "v/w"])
        #expect(opt.state[Path(["step"])]?.value.scalars(as: Int64.self) == [1])
        // Second step by hand.
        try opt.update(m, gradients: gradients)
        let g: Float = 0.5
        let m2 = 0.9 * 0.1 * g + 0.1 * g, v2 = 0.999 * 0.001 * g * g + 0.001 * g * g
        let step = 0.01 * (m2 / (1 - 0.81)) / ((v2 / (1 - 0.998001)).squareRoot() + 1e-8)
        #expect(abs(values(m)[0] - (0.99 - step)) < 1e-6)
    }

    @Test("AdamW decays weights before the Adam step")
    func adamW() throws {
        let m = OneParam(), opt = AdamW(learningRate: 0.1, weightDecay: 0.5)
        try opt.update(m, gradients: gradients)
        #expect(zip(values(m), [1 * 0.95 - 0.1, -2 * 0.95 - 0.1] as [Float]).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test("optimizers are built as in PyTorch: a number or a schedule, torch's argument names")
    func pytorchShapedInitializers() throws {
        // Failed before: `AdamW(learningRate: 0.1, weightDecay: 0.01)` did not compile (AdamW
        // was a caseless enum with `make(...)`), Adam had no coupled `weightDecay`, and SGD
        // had no `dampening`.
        let adamw = AdamW(learningRate: 0.1, weightDecay: 0.01)
        #expect(adamw.weightDecay == 0.01 && AdamW(learningRate: 0.1).weightDecay == 0.01)   // torch's default
        #expect(adamw.decouplesWeightDecay && !Adam(learningRate: 0.1, weightDecay: 0.01).decouplesWeightDecay)
        let adam = Adam(learningRate: 0.1, weightDecay: 0.01)
        #expect(adam.weightDecay == 0.01 && Adam(learningRate: 0.1).weightDecay == 0)
        let sgd = SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4, nesterov: false)
        #expect(sgd.dampening == 0.1)
        let scheduled = AdamW(learningRate: .cosine(peak: 1e-3, warmupSteps: 10, totalSteps: 500), weightDecay: 0.01)
        #expect(scheduled.learningRate.rate(10) == 1e-3)
        let rate: Float = 0.05
        #expect(SGD(learningRate: rate).learningRate.rate(1) == 0.05)

        // Coupled L2 (Adam) and decoupled decay (AdamW) differ from the first step.
        let coupled = OneParam(), decoupled = OneParam()
        try Adam(learningRate: 0.1, weightDecay: 0.5).update(coupled, gradients: gradients)
        try AdamW(learningRate: 0.1, weightDecay: 0.5).update(decoupled, gradients: gradients)
        #expect(values(coupled) != values(decoupled))
    }

    @Test("optimizer state round-trips through load, and a bad state is a typed error")
    func loadState() throws {
        let a = OneParam(), b = OneParam()
        let optA = Adam(learningRate: 0.01), optB = Adam(learningRate: 0.01)
        try optA.update(a, gradients: gradients)
        try optB.update(b, gradients: gradients)
        let resumed = Adam(learningRate: 0.01)
        try resumed.load(optA.state)
        try resumed.update(a, gradients: gradients)
        try optB.update(b, gradients: gradients)
        #expect(values(a) == values(b))
        #expect(throws: OptimizerError.self) { try resumed.load(State()) }
    }

    /// A state with `path` replaced by `value` (what an edited or mismatched checkpoint restores).
    private func replacing(_ state: State, _ path: Path, with value: Tensor) throws -> State {
        try State(flat: state.flat.map { entry in
            (entry.0, entry.0 == path ? VariableState(kind: entry.1.kind, value: value) : entry.1)
        })
    }

    /// A restored moment of another shape indexed past its end inside the update
    /// (a trap); now the update throws naming the buffer, and changes nothing.
    @Test("a loaded moment or momentum of the wrong size is an error naming it, not a trap")
    func loadedBuffersOfTheWrongSizeAreRefused() throws {
        let trained = OneParam(), adam = Adam(learningRate: 0.01), sgd = SGD(learningRate: 0.1, momentum: 0.9)
        try adam.update(trained, gradients: gradients)
        try sgd.update(trained, gradients: gradients)
        let cases: [(any Optimizer, State, Path)] = [
            (Adam(learningRate: 0.01), adam.state, Path(["m", "w"])),
            (SGD(learningRate: 0.1, momentum: 0.9), sgd.state, Path(["momentum", "w"])),
        ]
        for (optimizer, state, path) in cases {
            try optimizer.load(try replacing(state, path, with: Tensor([1] as [Float])))
            let model = OneParam()
            do {
                try optimizer.update(model, gradients: gradients)
                Issue.record("\(type(of: optimizer)) updated with a 1-value \(path)")
            } catch let OptimizerError.invalidState(at, reason) {
                #expect(at == path)
                #expect(reason.contains("1 values for the variable w of shape [2]"), "\(reason)")
            }
            #expect(values(model) == [1, -2])
        }
    }

    /// A restored step of Int64.max overflowed on the next update, a negative one ran
    /// schedules backwards; both are refused by `load`.
    @Test("a loaded step must be a step count", arguments: [Int64.max, -1])
    func loadedStepMustBeACount(step: Int64) throws {
        let adam = Adam(learningRate: 0.01)
        try adam.update(OneParam(), gradients: gradients)
        let edited = try replacing(adam.state, Path(["step"]), with: Tensor(scalar: step))
        #expect(throws: OptimizerError.self) { try Adam(learningRate: 0.01).load(edited) }
    }

    @Test("schedules: constant, linear warmup, cosine")
    func schedules() {
        #expect(Schedule.constant(0.5).rate(100) == 0.5)
        let warm = Schedule.linearWarmup(peak: 1, warmupSteps: 4)
        #expect([1, 2, 4, 9].map { warm.rate($0) } == [0.25, 0.5, 1, 1])
        let cosine = Schedule.cosine(peak: 1, warmupSteps: 0, totalSteps: 10, final: 0.1)
        #expect(abs(cosine.rate(0) - 1) < 1e-6)
        #expect(abs(cosine.rate(5) - 0.55) < 1e-6)
        #expect(abs(cosine.rate(10) - 0.1) < 1e-6)
        #expect(abs(cosine.rate(20) - 0.1) < 1e-6)
    }
}
