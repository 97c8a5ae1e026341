import Arbor
import Testing

@Suite("grad(of:wrt:)")
struct GradTests {
    /// Loads a fixture's parameters into an `MLP` of the fixture's architecture.
    private func model(_ fixture: [String: Tensor], layerNorm: Bool) throws -> MLP {
        let mlp = MLP([3, 8, 8, 2], activations: [.tanh, .gelu], layerNormAfterFirst: layerNorm, key: RandomKey(seed: 0))
        var entries: [(Path, VariableState)] = []
        for (name, value) in fixture where !name.hasPrefix("grad.") && (name.hasPrefix("layers.") || name.hasPrefix("norm.")) {
            let keys: [PathKey] = name.split(separator: ".").map { part in Int(part).map(PathKey.index) ?? .name(String(part)) }
            entries.append((Path(keys), VariableState(kind: .param, value: try value.converted(to: .float32))))
        }
        try Graph.update(mlp, try State(flat: entries))
        return mlp
    }

    private func checkGradients(_ grads: State, against fixture: [String: Tensor], expectedCount: Int) throws {
        #expect(grads.count == expectedCount)
        for (path, leaf) in grads.flat {
            #expect(leaf.kind == .param)
            let expected = try #require(fixture["grad." + path.dotted], "no torch gradient for \(path)")
            #expect(GradFixture.close(leaf.value, try expected.converted(to: .float32)), "gradient of \(path) differs from torch")
        }
    }

    @Test("MLP + cross-entropy matches PyTorch gradients")
    func crossEntropyMatchesTorch() throws {
        let fixture = try GradFixture.load("mlp/mlp.safetensors")
        let mlp = try model(fixture, layerNorm: false)
        let x = try #require(fixture["x"]), targets = try #require(fixture["targets"])
        let (loss, grads) = try grad(of: mlp) { m in m(x).crossEntropy(labels: targets) }
        #expect(GradFixture.close(loss, try #require(fixture["loss"])))
        try checkGradients(grads, against: fixture, expectedCount: 6)
        #expect(mlp.layers[0].weight.value.traceMark == nil, "grad must restore unmarked values")
    }

    @Test("MLP + LayerNorm + MSE matches PyTorch gradients, f32 and f64 fixtures")
    func layerNormMSEMatchesTorch() throws {
        for file in ["mlp/mlp_ln_mse.safetensors", "mlp/mlp_ln_mse_f64.safetensors"] {
            let fixture = try GradFixture.load(file)
            let mlp = try model(fixture, layerNorm: true)
            let x = try #require(fixture["x"]).converted(to: .float32)
            let targets = try #require(fixture["targets"]).converted(to: .float32)
            let (loss, grads) = try grad(of: mlp) { m in (m(x) - targets).squared().mean() }
            #expect(GradFixture.close(loss, try #require(fixture["loss"]).converted(to: .float32)), "\(file) loss")
            try checkGradients(grads, against: fixture, expectedCount: 8)
        }
    }

    @Test("the f64 cross-entropy fixture agrees too")
    func crossEntropyF64() throws {
        let fixture = try GradFixture.load("mlp/mlp_f64.safetensors")
        let mlp = try model(fixture, layerNorm: false)
        let x = try #require(fixture["x"]).converted(to: .float32)
        let targets = try #require(fixture["targets"])
        let (_, grads) = try grad(of: mlp) { m in m(x).crossEntropy(labels: targets) }
        try checkGradients(grads, against: fixture, expectedCount: 6)
    }

    @Test("a filter selects which variables get gradients; paths and kinds are kept")
    func filterSelects() throws {
        let model = Sequential([Linear(2, 3, key: RandomKey(seed: 1)), BatchNorm(3), Linear(3, 1, key: RandomKey(seed: 2))])
        let x = try Tensor.randomNormal(shape: [4, 2], key: RandomKey(seed: 3))
        let (_, all) = try grad(of: model) { m in m(x).sum() }
        #expect(all.paths.map(\.description) == [
            "layers/0/bias", "layers/0/weight", "layers/1/bias", "layers/1/weight", "layers/2/bias", "layers/2/weight",
        ])
        let (_, some) = try grad(of: model, wrt: .under(Path(["layers", 2]))) { m in m(x).sum() }
        #expect(some.paths.map(\.description) == ["layers/2/bias", "layers/2/weight"])
    }

    @Test("a tied parameter gets one gradient: the sum of both uses")
    func tiedParameter() throws {
        let first = Linear(2, 2, useBias: false, key: RandomKey(seed: 4))
        let shared = TiedPair(first)
        let x = try Tensor.randomNormal(shape: [3, 2], key: RandomKey(seed: 6))
        let (_, grads) = try grad(of: shared) { m in m(x).sum() }
        #expect(grads.count == 1)
        // d/dW sum(W(Wx)) by finite differences on the single weight.
        let analytic = try #require(grads.flat.first).leaf.value.scalars(as: Float.self)
        let numeric = try finiteDifference(shared.a.weight) { shared(x).sum() }
        for (a, n) in zip(analytic, numeric) { #expect(abs(a - n) < 2e-2 * max(1, abs(n))) }
    }

    @Test("gradients for parameters and inputs come from one call")
    func parametersAndInputs() throws {
        // Failed before: `grad(of:wrt:)` gave parameter gradients only; ∂loss/∂x needed a
        // second mechanism (a hand-driven GradientTape).
        let layer = Linear(3, 2, key: RandomKey(seed: 7))
        let x = try Tensor.randomNormal(shape: [4, 3], key: RandomKey(seed: 8))
        let (loss, grads, inputGrads) = try grad(of: layer, inputs: [x]) { m, xs in m(xs[0]).sum() }
        #expect(loss == layer(x).sum())
        #expect(grads.paths.map(\.description) == ["bias", "weight"])
        // y = x·Wᵀ + b, loss = Σy: ∂loss/∂x[i, k] = Σⱼ W[j, k] for every row i.
        let w = layer.weight.value.scalars(as: Float.self)
        let columnSums = (0..<3).map { k in w[k] + w[3 + k] }
        let dx = try #require(inputGrads.first)
        #expect(dx.shape == [4, 3])
        for (position, value) in dx.scalars(as: Float.self).enumerated() {
            #expect(abs(value - columnSums[position % 3]) < 1e-5)
        }
        // ∂loss/∂W[j, k] = Σᵢ x[i, k], the same as the parameters-only form gives.
        let (_, alone) = try grad(of: layer) { m in m(x).sum() }
        #expect(alone == grads)
    }

    @Test("input gradients of a nonlinear loss agree with finite differences, for two inputs")
    func twoInputsFiniteDifferences() throws {
        let layer = Linear(2, 2, key: RandomKey(seed: 9))
        let a = try Tensor.randomNormal(shape: [3, 2], key: RandomKey(seed: 10))
        let b = try Tensor.randomNormal(shape: [3, 2], key: RandomKey(seed: 11))
        let loss = { (x: Tensor, y: Tensor) in (layer(x).tanh() * y).sum() }
        let (_, _, inputGrads) = try grad(of: layer, inputs: [a, b]) { _, xs in loss(xs[0], xs[1]) }
        #expect(inputGrads.count == 2)
        let holder = Param(a)
        let numericA = try finiteDifference(holder) { loss(holder.value, b) }
        for (g, n) in zip(inputGrads[0].scalars(as: Float.self), numericA) { #expect(abs(g - n) < 2e-2 * max(1, abs(n))) }
        #expect(inputGrads[1] == layer(a).tanh())   // ∂/∂y of Σ f(x)·y is f(x)
        #expect(a.traceMark == nil && layer.weight.value.traceMark == nil)
    }
}

/// One `Linear` used twice (`a` and `b` are the same object).
final class TiedPair: Module {
    let a: Linear
    let b: Linear
    init(_ layer: Linear) { a = layer; b = layer }
    func callAsFunction(_ x: Tensor) -> Tensor { b(a(x)) }
}

/// Central differences of `f` with respect to each element of `variable` (f32).
func finiteDifference(_ variable: Variable, step: Float = 1e-2, _ f: () -> Tensor) throws -> [Float] {
    let original = variable.value
    var values = original.scalars(as: Float.self)
    var result: [Float] = []
    for i in values.indices {
        let saved = values[i]
        values[i] = saved + step
        variable.value = Tensor(values, shape: original.shape)
        let plus = f().scalars(as: Float.self)[0]
        values[i] = saved - step
        variable.value = Tensor(values, shape: original.shape)
        let minus = f().scalars(as: Float.self)[0]
        values[i] = saved
        result.append((plus - minus) / (2 * step))
    }
    variable.value = original
    return result
}
