import ArborTensor
import Foundation
import Testing

@Suite struct SoftmaxTests {
    @Test func rowsSumToOneAndMatchFormula() {
        let x = Tensor([1, 2, 3, -1, 0, 1] as [Float], shape: [2, 3])
        let y = x.softmax()
        let e = [1, 2, 3].map { Foundation.exp(Float($0)) }
        let total = e.reduce(0, +)
        #expect(isClose(y.sliced(alongAxis: 0, 0..<1), Tensor(e.map { $0 / total }, shape: [1, 3])))
        #expect(isClose(y.sum(alongAxes: [1]), Tensor([1, 1] as [Float]), rtol: 1e-6))
        #expect(isClose(x.logSoftmax(), y.log(), rtol: 1e-5, atol: 1e-6))
    }

    @Test func largeLogitsDoNotOverflow() {
        let x = Tensor([10_000, 10_001, -10_000] as [Float])
        let y = x.softmax()
        #expect(y.floats.allSatisfy { $0.isFinite })
        #expect(isClose(y, Tensor([0.26894142, 0.7310586, 0] as [Float]), rtol: 1e-5))
        let logY = x.logSoftmax()
        #expect(isClose(logY, Tensor([-1.3132616, -0.31326166, -20_001.313] as [Float]), rtol: 1e-5))
    }

    @Test func maskedRowsAndEdgeShapes() {
        let masked = Tensor([0, -.infinity, -.infinity, -.infinity] as [Float], shape: [2, 2])
        #expect(masked.softmax().floats == [1, 0, 0, 0])
        #expect(Tensor(zeros: [0, 4]).softmax().shape == [0, 4])
        #expect(Tensor([5] as [Float], shape: [1, 1]).softmax().floats == [1])
    }

    @Test func crossEntropyMatchesLogSoftmax() {
        var random = TestRandom(seed: 8)
        let logits = random.tensor([4, 5], in: -3...3)
        let labels = Tensor([0, 4, 2, 2] as [Int32])
        let logp = logits.logSoftmax().floats
        let picked: [Float] = [0, 4, 2, 2].enumerated().map { row, label in logp[row * 5 + label] }
        let expected: Float = -picked.reduce(0, +) / 4
        #expect(isClose(logits.crossEntropy(labels: labels), Tensor(scalar: expected), rtol: 1e-5))
        #expect(isClose(logits.crossEntropy(labels: Tensor([0, 4, 2, 2] as [Int64])), Tensor(scalar: expected), rtol: 1e-5))
    }

    /// The vectorized exp (`arbor_exp_shifted_f32`) on long rows with odd lengths
    /// (vector body and scalar tail), a wide range, masked entries and values far
    /// enough below the max to underflow: softmax and the cross-entropy gradient
    /// against f64 references. (1e-5 relative: an f32 `x - max` near -80 is
    /// itself off by up to 4e-6, as with libm.)
    @Test func longRowsMatchAnF64Reference() {
        var random = TestRandom(seed: 10)
        let width = 203
        var values = random.tensor([3, width], in: -40...40).floats
        values[5] = -.infinity
        values[width + 7] = -200
        let x = Tensor(values, shape: [3, width])
        let got = x.softmax().floats
        let labels = Tensor([0, 100, 202] as [Int64])
        let slopes = valueWithGradients(at: [x]) { $0[0].crossEntropy(labels: labels) }.gradients[0].floats
        for row in 0..<3 {
            let r = values[(row * width)..<((row + 1) * width)].map(Double.init)
            let m = r.max() ?? 0
            let total = r.reduce(0) { $0 + Foundation.exp($1 - m) }
            for j in 0..<width {
                let want = Foundation.exp(r[j] - m) / total
                #expect(abs(Double(got[row * width + j]) - want) <= 1e-5 * want + 1e-38, "row \(row) [\(j)]")
                let slope = (want - (j == [0, 100, 202][row] ? 1 : 0)) / 3
                #expect(abs(Double(slopes[row * width + j]) - slope) <= 1e-6, "gradient row \(row) [\(j)]")
            }
        }
        #expect(got[5] == 0)
    }

    @Test func gradients() {
        var random = TestRandom(seed: 9)
        let x = random.tensor([3, 5], in: -3...3)
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].softmax() }
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].logSoftmax() }
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].crossEntropy(labels: Tensor([1, 0, 4] as [Int64])) }
        expectGradientsMatchFiniteDifferences(at: [random.tensor([2, 2, 4])]) { $0[0].softmax() }
    }
}
