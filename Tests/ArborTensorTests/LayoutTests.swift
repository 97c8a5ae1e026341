import ArborTensor
import Testing

@Suite struct LayoutTests {
    @Test func permuteMatchesIndexFormula() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let y = x.permuted([2, 0, 1])
        #expect(y.shape == [4, 2, 3])
        let yv = y.floats
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            #expect(yv[(k * 2 + i) * 3 + j] == Float((i * 3 + j) * 4 + k))
        } } }
        #expect(y.permuted([1, 2, 0]) == x)
        #expect(x.swappingLastTwoAxes().shape == [2, 4, 3])
        #expect(Tensor(zeros: [0, 2]).permuted([1, 0]).shape == [2, 0])
        #expect(Tensor([1, 2] as [Int32]).permuted([0]).scalars(as: Int32.self) == [1, 2])
    }

    @Test func gradients() throws {
        var random = TestRandom(seed: 15)
        let t = random.tensor([2, 3, 4])
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].permuted([1, 2, 0]) }
        expectGradientsMatchFiniteDifferences(at: [t]) { try! $0[0].reshaped([4, -1]) }
        expectGradientsMatchFiniteDifferences(at: [random.tensor([3, 2])]) { $0[0].transposed() }
    }
}
