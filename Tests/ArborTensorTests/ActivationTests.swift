import ArborTensor
import Foundation
import Testing

@Suite struct ActivationTests {
    @Test func valuesMatchFormulas() {
        let xs: [Float] = [-3, -0.5, 0, 0.7, 2.5]
        let x = Tensor(xs)
        #expect(isClose(x.exp(), Tensor(xs.map { Foundation.exp($0) })))
        #expect(isClose(x.tanh(), Tensor(xs.map { Foundation.tanh($0) })))
        #expect(x.relu().floats == [0, 0, 0, 0.7, 2.5])
        #expect(isClose(x.sigmoid(), Tensor(xs.map { 1 / (1 + Foundation.exp(-$0)) })))
        let positive = Tensor([0.25, 1, 4] as [Float])
        #expect(isClose(positive.log(), Tensor([Foundation.log(0.25), 0, Foundation.log(4)] as [Float])))
        #expect(positive.sqrt().floats == [0.5, 1, 2])
        #expect(positive.rsqrt().floats == [2, 1, 0.5])
    }

    @Test func geluMatchesPyTorchValues() {
        // torch.nn.functional.gelu(x) and gelu(x, approximate="tanh") at these points.
        let x = Tensor([-2, -0.5, 0, 1, 3] as [Float])
        #expect(isClose(x.gelu(), Tensor([-0.045500264, -0.15426877, 0, 0.8413447, 2.9959503] as [Float]), rtol: 1e-5, atol: 1e-6))
        #expect(isClose(x.gelu(approximation: .tanh),
                        Tensor([-0.045402306, -0.15428599, 0, 0.84119199, 2.9963626] as [Float]), rtol: 1e-5, atol: 1e-6))
    }

    @Test func extremesStayFinite() {
        let x = Tensor([-1000, 1000] as [Float])
        #expect(x.sigmoid().floats == [0, 1])
        #expect(x.tanh().floats == [-1, 1])
        #expect(Tensor([0] as [Float]).log().floats == [-.infinity])
    }

    @Test func gradients() {
        var random = TestRandom(seed: 4)
        let x = random.tensor([3, 4], in: -2...2)
        let positive = random.tensor([3, 4], in: 0.5...2)
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].exp() }
        expectGradientsMatchFiniteDifferences(at: [positive]) { $0[0].log() }
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].tanh() }
        expectGradientsMatchFiniteDifferences(at: [positive]) { $0[0].sqrt() }
        expectGradientsMatchFiniteDifferences(at: [positive]) { $0[0].rsqrt() }
        expectGradientsMatchFiniteDifferences(at: [random.tensorAwayFromZero([3, 4])]) { $0[0].relu() }
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].sigmoid() }
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].gelu() }
        expectGradientsMatchFiniteDifferences(at: [x]) { $0[0].gelu(approximation: .tanh) }
    }

    /// The vectorized tanh (a rational approximation in `CArborKernels`) stays
    /// within 8 ulp of libm (4.3 measured) over the whole useful range, including tiny
    /// arguments (relative error) and the saturated tails; odd lengths exercise
    /// the loop's scalar tail.
    @Test func vectorizedTanhMatchesLibm() {
        var xs: [Float] = (0..<4001).map { Float($0 - 2000) / 200 }       // -10...10 step 0.005
        xs += [1e-30, -1e-20, 1e-7, -3e-4, 0.0004, 7.9, -7.91, 20, -88, .infinity, -.infinity]
        let got = Tensor(xs).tanh().floats
        for (x, y) in zip(xs, got) {
            let want = Float(Foundation.tanh(Double(x)))
            #expect(abs(y - want) <= 8 * want.ulp, "tanh(\(x)) = \(y), libm says \(want)")
        }
        #expect(Tensor([Float.nan]).tanh().floats[0].isNaN)
    }

    /// GELU (tanh form) and its gradient from the C kernels against the formula
    /// evaluated in f64.
    @Test func vectorizedTanhGELUAndGradientMatchTheFormula() {
        let xs: [Float] = (0..<1203).map { Float($0 - 601) / 60 }          // -10...10, odd count
        let c = (2 / Double.pi).squareRoot()
        let x = Tensor(xs)
        let slopes = valueWithGradients(at: [x]) { $0[0].gelu(approximation: .tanh).sum() }.gradients[0].floats
        let forward = x.gelu(approximation: .tanh).floats
        for (i, v) in xs.enumerated() {
            let d = Double(v)
            let t = Foundation.tanh(c * (d + 0.044715 * d * d * d))
            let want = 0.5 * d * (1 + t)
            let slope = 0.5 * (1 + t) + 0.5 * d * (1 - t * t) * c * (1 + 3 * 0.044715 * d * d)
            #expect(abs(Double(forward[i]) - want) <= 1e-6 * max(1, abs(want)), "gelu(\(v))")
            #expect(abs(Double(slopes[i]) - slope) <= 1e-5 * max(1, abs(slope)), "gelu'(\(v))")
        }
    }
}
