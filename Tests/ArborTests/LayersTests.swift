import Arbor
import Testing

@Suite("Layers")
struct LayersTests {
    private let x = try! Tensor.randomNormal(shape: [6, 4], key: RandomKey(seed: 21))

    @Test("Linear stores weight [out, in] and computes x·Wᵀ + b")
    func linear() throws {
        let layer = Linear(2, 3, key: RandomKey(seed: 1))
        #expect(layer.weight.shape == [3, 2] && layer.bias?.shape == [3])
        layer.weight.value = Tensor([1, 0, 0, 1, 1, 1] as [Float], shape: [3, 2])
        layer.bias?.value = Tensor([0.5, 0, -1] as [Float])
        #expect(layer(Tensor([2, 3] as [Float], shape: [1, 2])).scalars(as: Float.self) == [2.5, 3, 4])
        #expect(try Graph.state(layer).paths.map(\.description) == ["bias", "weight"])
    }

    @Test("layer gradients agree with central differences")
    func finiteDifferences() throws {
        let model = MLP([4, 5, 3], activations: [.tanh], layerNormAfterFirst: true, key: RandomKey(seed: 2))
        let (_, grads) = try grad(of: model) { m in m(x).squared().mean() }
        for (variable, path) in [(model.layers[0].weight, "layers/0/weight"), (model.norm!.weight, "norm/weight"),
                                 (model.layers[1].bias!, "layers/1/bias")] {
            let analytic = try #require(grads.flat.first { $0.path.description == path }).leaf.value.scalars(as: Float.self)
            let numeric = try finiteDifference(variable, step: 1e-2) { model(x).squared().mean() }
            for (a, n) in zip(analytic, numeric) { #expect(abs(a - n) < 2e-3 + 2e-2 * abs(n), "\(path): \(a) vs \(n)") }
        }
        let table = Embedding(5, 3, key: RandomKey(seed: 3))
        let ids = Tensor([0, 4, 4, 1] as [Int64])
        let (_, eg) = try grad(of: table) { t in t(ids).squared().sum() }
        let numeric = try finiteDifference(table.weight) { table(ids).squared().sum() }
        for (a, n) in zip(eg.leaves[0].value.scalars(as: Float.self), numeric) { #expect(abs(a - n) < 1e-2 * max(1, abs(n))) }
    }

    @Test("BatchNorm normalises with batch stats in training, updates running stats, uses them in eval")
    func batchNorm() throws {
        let bn = BatchNorm(4, momentum: 0.1)
        let y = bn(x)
        let mean = y.mean(alongAxes: [0]).scalars(as: Float.self)
        #expect(mean.allSatisfy { abs($0) < 1e-5 })
        let batchMean = x.mean(alongAxes: [0])
        #expect(bn.runningMean.value.allClose(batchMean * 0.1, rtol: 1e-5, atol: 1e-6))
        let unbiased = (x - batchMean).squared().sum(alongAxes: [0]) / 5
        #expect(bn.runningVar.value.allClose(unbiased * 0.1 + 0.9, rtol: 1e-5, atol: 1e-6))
        #expect(bn.numBatchesTracked.value.scalars(as: Int64.self) == [1])
        let state = try Graph.state(bn)
        #expect(state.filter(.batchStat).paths.map(\.description) == ["numBatchesTracked", "runningMean", "runningVar"])

        bn.isTraining = false
        let before = try Graph.state(bn)
        let eval = bn(x)
        let expected = (x - bn.runningMean.value) * (bn.runningVar.value + 1e-5).rsqrt()
        #expect(eval.allClose(expected, rtol: 1e-5, atol: 1e-6))
        #expect(try Graph.state(bn) == before, "eval mode must not change state")
    }

    @Test("Dropout: deterministic per key, a restored state continues the stream, eval is identity")
    func dropout() throws {
        let ones = try Tensor.ones([1000])
        let a = Dropout(rate: 0.3, key: RandomKey(seed: 5)), b = Dropout(rate: 0.3, key: RandomKey(seed: 5))
        let first = a(ones)
        #expect(first == b(ones))
        let kept = first.scalars(as: Float.self).filter { $0 != 0 }
        #expect(kept.count > 600 && kept.count < 800)
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
        #expect(a(ones) != first, "successive calls draw fresh masks")

        let saved = try Graph.state(a)
        let next = a(ones)
        let restored = Dropout(rate: 0.3, key: RandomKey(seed: 99))
        try Graph.update(restored, saved)
        #expect(restored(ones) == next)

        a.isTraining = false
        #expect(a(ones) == ones)
    }

    @Test("Sequential runs mixed layers, paths layers/<i>/…, and a merge rebuilds it")
    func sequential() throws {
        let model = Sequential([Linear(4, 3, key: RandomKey(seed: 7)), BatchNorm(3), Dropout(rate: 0.1, key: RandomKey(seed: 8))])
        model.isTraining = false
        let y = model(x)
        #expect(y.shape == [6, 3])
        let (graphdef, state) = try Graph.split(model)
        let copy = try Graph.merge(graphdef, state)
        copy.isTraining = false
        #expect(copy(x) == y)
        #expect(state.paths.map(\.description).contains("layers/2/rng"))
    }
}
