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
}
