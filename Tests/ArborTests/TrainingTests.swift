import Arbor
import ArborExamples
import Testing

@Suite("TwoSpiralsExample")
struct TrainingTests {
    @Test("loss falls well below chance within a few epochs")
    func lossFalls() throws {
        let run = TwoSpiralsExample(seed: 7)
        let initial = run.evaluate().loss
        var last: Float = .infinity
        for _ in 0..<30 { last = try run.epoch() }
        let evaluation = run.evaluate()
        #expect(last < 0.45, "mean training loss after 30 epochs: \(last) (initial \(initial))")
        #expect(evaluation.accuracy > 0.8, "accuracy \(evaluation.accuracy)")
    }

    @Test("the same seed gives bit-identical runs; another seed differs")
    func deterministic() throws {
        let a = TwoSpiralsExample(seed: 3), b = TwoSpiralsExample(seed: 3), c = TwoSpiralsExample(seed: 4)
        var lossesA: [Float] = [], lossesB: [Float] = [], lossesC: [Float] = []
        for _ in 0..<10 {
            lossesA.append(try a.step())
            lossesB.append(try b.step())
            lossesC.append(try c.step())
        }
        #expect(lossesA.map(\.bitPattern) == lossesB.map(\.bitPattern))
        #expect(try a.checkpointState == b.checkpointState)
        #expect(lossesA != lossesC)
    }

    @Test("20 steps + restore into a fresh run + 20 steps == 40 steps straight, bitwise")
    func exactResume() throws {
        let straight = TwoSpiralsExample(seed: 11)
        for _ in 0..<40 { try straight.step() }

        let first = TwoSpiralsExample(seed: 11)
        for _ in 0..<20 { try first.step() }
        let saved = try first.checkpointState
        #expect(saved[Path(["step"])]?.value.scalars(as: Int64.self) == [20])
        #expect(saved[Path(["model", "dropout", "rng"])]?.kind == .rngState)
        #expect(saved[Path(["model", "norm", "runningMean"])]?.kind == .batchStat)
        #expect(saved[Path(["optimizer", "m", "input", "weight"])] != nil)

        let resumed = TwoSpiralsExample(seed: 11)    // same data; state perturbed first, so it must all come from `saved`
        for _ in 0..<3 { try resumed.step() }
        try resumed.restore(saved)
        for _ in 0..<20 { try resumed.step() }
        #expect(try resumed.checkpointState == straight.checkpointState)
    }

    @Test("the data set is deterministic and balanced")
    func data() {
        let a = TwoSpirals(count: 64, key: RandomKey(seed: 1)), b = TwoSpirals(count: 64, key: RandomKey(seed: 1))
        #expect(a.points == b.points && a.labels == b.labels)
        #expect(a.labels.scalars(as: Int64.self).reduce(0, +) == 32)
        let (s, c) = TwoSpirals.sinCos(1.0)
        #expect(abs(s - 0.8414709848078965) < 1e-14 && abs(c - 0.5403023058681398) < 1e-14)
    }
}
