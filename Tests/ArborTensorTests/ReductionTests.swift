import ArborTensor
import Testing

@Suite struct ReductionTests {
    let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])

    @Test func sumOverAxes() {
        #expect(x.sum().floats == [276])
        #expect(x.sum().shape == [])
        let rows = x.sum(alongAxes: [2])
        #expect(rows.shape == [2, 3])
        #expect(rows.floats == [6, 22, 38, 54, 70, 86])
        let kept = x.sum(alongAxes: [0, -1], keepingDimensions: true)
        #expect(kept.shape == [1, 3, 1])
        #expect(kept.floats == [60, 92, 124])
        #expect(x.sum(alongAxes: [1]).floats == [12, 15, 18, 21, 48, 51, 54, 57])
    }

    @Test func meanAndMax() {
        #expect(x.mean().floats == [11.5])
        #expect(x.mean(alongAxes: [1]).floats == [4, 5, 6, 7, 16, 17, 18, 19])
        #expect(x.max().floats == [23])
        #expect(x.max(alongAxes: [2], keepingDimensions: true).shape == [2, 3, 1])
        #expect(x.max(alongAxes: [0, 1]).floats == [20, 21, 22, 23])
        #expect(Tensor([-5, -1, -3] as [Float]).max().floats == [-1])
    }

    @Test func zeroSize() {
        #expect(Tensor(zeros: [0, 3]).sum(alongAxes: [0]).floats == [0, 0, 0])
        #expect(Tensor(zeros: [2, 0]).sum(alongAxes: [0]).shape == [0])
        #expect(Tensor(zeros: [0]).max().floats == [-.infinity])
    }

    @Test func gradients() {
        var random = TestRandom(seed: 6)
        let t = random.tensor([2, 3, 4])
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].sum() }
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].sum(alongAxes: [1]) }
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].sum(alongAxes: [0, 2], keepingDimensions: true) }
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].mean(alongAxes: [-1]) }
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].mean() }
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].max(alongAxes: [2]) }
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].max() }
    }

    @Test func maxGradientIsSharedAmongTies() {
        let (_, grads) = valueWithGradients(at: [Tensor([1, 3, 3, 2] as [Float])]) { $0[0].max() }
        #expect(grads[0].floats == [0, 0.5, 0.5, 0])
    }
}
