import Arbor
import Testing

/// A module whose body can grow a variable (to test structure checks).
final class Growable: Module {
    let weight: Param
    var extra: Param?
    init() { weight = Param(Tensor([1, 2] as [Float])) }
}

@Suite("Loops")
struct LoopTests {
    private let x = Tensor([0.5, -1, 2, 0.25] as [Float], shape: [2, 2])

    /// One plain SGD step on `sum(m(x)²)`.
    private func sgdStep(_ m: Linear) throws {
        let (_, g) = try grad(of: m) { m in m(x).squared().sum() }
        try SGD(learningRate: 0.05).update(m, gradients: g)
    }

    @Test("two distinct Linear(2, 2) as one carry for 10 iterations == running the body 10 times directly")
    func twoModelsCarry() throws {
        let m1 = Linear(2, 2, key: RandomKey(seed: 1)), m2 = Linear(2, 2, key: RandomKey(seed: 2))
        let d1 = try Graph.clone(m1), d2 = try Graph.clone(m2)
        let (r1, r2) = try foriLoop(0, 10, carry: (m1, m2)) { _, a, b in
            try sgdStep(a)
            try sgdStep(b)
            return (a, b)
        }
        for _ in 0..<10 { try sgdStep(d1); try sgdStep(d2) }
        #expect(r1 !== r2)
        #expect(try Graph.state(r1) == Graph.state(d1))
        #expect(try Graph.state(r2) == Graph.state(d2))
        #expect(try Graph.state(r1) != Graph.state(r2))
    }

    @Test("the same module twice stays one object")
    func sameModuleTwice() throws {
        let m = Linear(2, 2, key: RandomKey(seed: 3))
        let direct = try Graph.clone(m)
        let (a, b) = try foriLoop(0, 3, carry: (m, m)) { _, a, b in
            try sgdStep(a)
            try sgdStep(b)
            return (a, b)
        }
        for _ in 0..<6 { try sgdStep(direct) }
        #expect(a === b)
        #expect(try Graph.state(a) == Graph.state(direct))
    }

    @Test("tied variables stay tied, and returning a different sharing is an error")
    func tied() throws {
        let pair = TiedPair(Linear(2, 2, useBias: false, key: RandomKey(seed: 4)))
        let result = try foriLoop(0, 5, carry: pair) { _, p in
            let (_, g) = try grad(of: p) { p in p(x).sum() }
            try SGD(learningRate: 0.01).update(p, gradients: g)
            return p
        }
        #expect(result.a.weight === result.b.weight)
        let fresh = Linear(2, 2, useBias: false, key: RandomKey(seed: 4))
        #expect(throws: LoopError.self) {
            _ = try foriLoop(0, 2, carry: (pair.a, pair.a)) { _, a, _ in (a, fresh) }
        }
    }

    @Test("a body that adds a variable or changes a shape fails naming the path")
    func structureChange() throws {
        do {
            _ = try foriLoop(0, 3, carry: Growable()) { _, g in
                g.extra = Param(Tensor([0] as [Float]))
                return g
            }
            Issue.record("adding a variable must fail")
        } catch let LoopError.carryChanged(iteration, problems) {
            #expect(iteration == 0)
            #expect(problems.map(\.path.description) == ["extra"])
        }
        do {
            _ = try whileLoop(carry: Growable(), while: { _ in true }) { g in
                g.weight.value = Tensor([1, 2, 3] as [Float])
                return g
            }
            Issue.record("changing a shape must fail")
        } catch let error as LoopError {
            #expect(error.description.contains("weight"))
            #expect(error.description.contains("wrong shape"))
        }
    }

    @Test("whileLoop and scan thread the carry")
    func whileAndScan() throws {
        let g = Growable()
        let done = try whileLoop(carry: g, while: { $0.weight.value.scalars(as: Float.self)[0] < 10 }) { g in
            g.weight.value = g.weight.value * 2
            return g
        }
        #expect(done.weight.value.scalars(as: Float.self) == [16, 32])
        let (_, outputs) = try scan(carry: Growable(), over: [1, 2, 3] as [Float]) { g, step in
            g.weight.value = g.weight.value + step
            return (g, g.weight.value.scalars(as: Float.self)[0])
        }
        #expect(outputs == [2, 4, 7])
    }

    @Test("all three loops take one, two and three modules, with the same carry rules")
    func sameCarriesForAllLoops() throws {
        // Failed before: `scan(carry: (a, b), …)` and `whileLoop(carry: (a, b), …)` did not
        // compile (only foriLoop took a pair), and no loop took three modules.
        let a = Growable(), b = Growable(), c = Growable()
        let (a1, b1, c1) = try foriLoop(0, 2, carry: (a, b, c)) { _, x, y, z in
            x.weight.value = x.weight.value + 1
            return (x, y, z)
        }
        #expect(a1 === a && b1 === b && c1 === c && a1 !== b1)
        #expect(a.weight.value.scalars(as: Float.self) == [3, 4])

        let (p, q) = try whileLoop(carry: (a, b), while: { x, _ in x.weight.value.scalars(as: Float.self)[0] < 5 }) { x, y in
            x.weight.value = x.weight.value + 1
            return (x, y)
        }
        #expect(p === a && q === b)
        let (x3, y3, z3) = try whileLoop(carry: (a, a, c), while: { x, _, _ in x.weight.value.scalars(as: Float.self)[0] < 6 }) {
            x, y, z in
            y.weight.value = y.weight.value + 1   // the same module twice: one object
            return (x, y, z)
        }
        #expect(x3 === y3 && x3 === a && z3 === c)

        let pair = try scan(carry: (a, b), over: [1, 2] as [Float]) { x, y, step in
            y.weight.value = y.weight.value + step
            return ((x, y), y.weight.value.scalars(as: Float.self)[0])
        }
        #expect(pair.outputs == [2, 4] && pair.carry.0 === a && pair.carry.1 === b)
        let triple = try scan(carry: (a, b, c), over: [0, 1, 2]) { x, y, z, i in ((x, y, z), i * 10) }
        #expect(triple.outputs == [0, 10, 20] && triple.carry.2 === c)
    }

    @Test("a body that changes a carry's structure fails in every loop, naming the path")
    func structureChecksForEveryCarry() throws {
        let a = Growable(), b = Growable()
        do {
            _ = try scan(carry: (a, b), over: [0]) { x, y, _ in
                y.extra = Param(Tensor([0] as [Float]))
                return ((x, y), 0)
            }
            Issue.record("adding a variable must fail")
        } catch let LoopError.carryChanged(_, problems) {
            #expect(problems.map(\.path.description) == ["1/extra"])
        }
        let c = Growable(), d = Growable(), e = Growable()
        #expect(throws: LoopError.self) {
            _ = try whileLoop(carry: (c, d, e), while: { _, _, _ in true }) { x, y, _ in (x, y, x) }   // sharing changed
        }
    }
}

