import ArborTensor
import Testing

@Suite struct NormalizationTests {
    @Test func normalizesEachRow() {
        var random = TestRandom(seed: 12)
        let x = random.tensor([3, 8], in: -5...5) * 10 + 3
        let y = x.layerNorm()
        #expect(isClose(y.mean(alongAxes: [1]), Tensor(zeros: [3]), atol: 1e-5))
        #expect(isClose(y.squared().mean(alongAxes: [1]), Tensor([1, 1, 1] as [Float]), rtol: 1e-4))
    }

    @Test func affineAndPyTorchValues() {
        // torch.nn.functional.layer_norm(x, [3], weight, bias, eps=1e-5)
        let x = Tensor([1, 2, 4, -1, 0, 3] as [Float], shape: [2, 3])
        let w = Tensor([1, 2, 0.5] as [Float]), b = Tensor([0, 1, -1] as [Float])
        let expected = Tensor([-1.0690414, 0.46547943, -0.3318491, -0.980579, 0.2155369, -0.3135947] as [Float], shape: [2, 3])
        #expect(isClose(x.layerNorm(weight: w, bias: b), expected, rtol: 1e-5, atol: 1e-6))
    }

    @Test func constantRowsStayFinite() {
        let y = Tensor([3, 3, 3, 3] as [Float], shape: [1, 4]).layerNorm()
        #expect(y.floats == [0, 0, 0, 0])
        #expect(Tensor(zeros: [0, 4]).layerNorm().shape == [0, 4])
    }

    @Test func gradients() {
        var random = TestRandom(seed: 13)
        let x = random.tensor([3, 5], in: -2...2), w = random.tensor([5]), b = random.tensor([5])
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].layerNorm() }
        expectGradientsMatchFiniteDifferences(at: [x, w, b]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        expectGradientsMatchFiniteDifferences(at: [x, w]) { $0[0].layerNorm(weight: $0[1], epsilon: 1e-3) }
    }
}
