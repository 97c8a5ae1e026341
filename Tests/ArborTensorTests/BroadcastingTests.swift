import ArborTensor
import Testing

@Suite struct BroadcastingTests {
    @Test func broadcastShapes() {
        #expect(Tensor.broadcastShape([2, 3], [3]) == [2, 3])
        #expect(Tensor.broadcastShape([4, 1, 3], [5, 1]) == [4, 5, 3])
        #expect(Tensor.broadcastShape([], [2, 2]) == [2, 2])
        #expect(Tensor.broadcastShape([0, 3], [1, 3]) == [0, 3])
    }

    @Test func rowAndColumnBroadcasts() {
        let m = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect((m + Tensor([10, 20, 30] as [Float])).floats == [11, 22, 33, 14, 25, 36])
        #expect((m * Tensor([2, 3] as [Float], shape: [2, 1])).floats == [2, 4, 6, 12, 15, 18])
        #expect((Tensor([1, 2] as [Float], shape: [2, 1]) - Tensor([1, 2, 3] as [Float], shape: [1, 3])).floats
                == [0, -1, -2, 1, 0, -1])
        #expect((m / Tensor(scalar: Float(2))).floats == [0.5, 1, 1.5, 2, 2.5, 3])
        #expect(Tensor.maximum(m, Tensor([3] as [Float])).floats == [3, 3, 3, 4, 5, 6])
    }

    @Test func generalBroadcastMatchesNaive() {
        var random = TestRandom(seed: 1)
        let a = random.tensor([3, 1, 4]), b = random.tensor([2, 1])
        let sum = a + b
        #expect(sum.shape == [3, 2, 4])
        let av = a.floats, bv = b.floats, sv = sum.floats
        for i in 0..<3 { for j in 0..<2 { for k in 0..<4 {
            #expect(sv[(i * 2 + j) * 4 + k] == av[i * 4 + k] + bv[j])
        } } }
    }

    @Test func scalarOperandsAndZeroSize() {
        let x = Tensor([1, -2, 4] as [Float])
        #expect((x + 1).floats == [2, -1, 5])
        #expect((1 - x).floats == [0, 3, -3])
        #expect((x * 2).floats == [2, -4, 8])
        #expect((x / 2).floats == [0.5, -1, 2])
        #expect((4 / x).floats == [4, -2, 1])
        #expect((-x).floats == [-1, 2, -4])
        #expect(Tensor.maximum(x, 0).floats == [1, 0, 4])
        #expect(x.squared().floats == [1, 4, 16])
        #expect((Tensor(zeros: [0, 3]) + Tensor(zeros: [3])).shape == [0, 3])
    }

    @Test func summedToShapeAndBroadcastTo() {
        let g = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect(g.summed(toShape: [3]).floats == [5, 7, 9])
        #expect(g.summed(toShape: [2, 1]).floats == [6, 15])
        #expect(g.summed(toShape: []).floats == [21])
        #expect(Tensor([1, 2] as [Float], shape: [2, 1]).broadcast(to: [2, 2]).floats == [1, 1, 2, 2])
    }

    @Test func gradients() {
        var random = TestRandom(seed: 2)
        let a = random.tensor([2, 3]), b = random.tensor([3]), c = random.tensor([2, 1], in: 0.5...2)
        expectGradientsMatchFiniteDifferences(at: [a, b]) { $0[0] + $0[1] }
        expectGradientsMatchFiniteDifferences(at: [a, b]) { $0[0] - $0[1] }
        expectGradientsMatchFiniteDifferences(at: [a, b]) { $0[0] * $0[1] }
        expectGradientsMatchFiniteDifferences(at: [a, c]) { $0[0] / $0[1] }
        expectGradientsMatchFiniteDifferences(at: [random.tensorAwayFromZero([2, 3]), random.tensorAwayFromZero([2, 3])]) {
            Tensor.maximum($0[0], $0[1] * 0.5)
        }
        expectGradientsMatchFiniteDifferences(at: [a]) { -$0[0] }
        expectGradientsMatchFiniteDifferences(at: [a]) { ($0[0] + 2) * 3 - 1 }
        expectGradientsMatchFiniteDifferences(at: [c]) { 2 / $0[0] }
        expectGradientsMatchFiniteDifferences(at: [random.tensorAwayFromZero([4])]) { Tensor.maximum($0[0], 0) }
        expectGradientsMatchFiniteDifferences(at: [a]) { $0[0].squared() }
        expectGradientsMatchFiniteDifferences(at: [b]) { $0[0].broadcast(to: [2, 3]) }
    }
}
