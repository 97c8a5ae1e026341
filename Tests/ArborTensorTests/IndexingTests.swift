import ArborTensor
import Testing

@Suite struct IndexingTests {
    let table = Tensor((0..<12).map(Float.init), shape: [4, 3])

    @Test func gatherRows() {
        let out = table.gathering(rowsAt: Tensor([2, 0, 2, 3] as [Int32], shape: [2, 2]))
        #expect(out.shape == [2, 2, 3])
        #expect(out.floats == [6, 7, 8, 0, 1, 2, 6, 7, 8, 9, 10, 11])
        #expect(table.gathering(rowsAt: Tensor([] as [Int64])).shape == [0, 3])
    }

    @Test func concatAndSlice() {
        let a = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]), b = Tensor([5, 6] as [Float], shape: [2, 1])
        let joined = Tensor.concatenated([a, b], alongAxis: 1)
        #expect(joined.shape == [2, 3])
        #expect(joined.floats == [1, 2, 5, 3, 4, 6])
        #expect(Tensor.concatenated([a, a], alongAxis: 0).floats == [1, 2, 3, 4, 1, 2, 3, 4])
        #expect(joined.sliced(alongAxis: -1, 1..<3).floats == [2, 5, 4, 6])
        #expect(joined.sliced(alongAxis: 0, 1..<1).shape == [0, 3])
        // Other dtypes are copied byte-exact.
        let ints = Tensor([1, 2, 3] as [Int64])
        #expect(Tensor.concatenated([ints, ints], alongAxis: 0).scalars(as: Int64.self) == [1, 2, 3, 1, 2, 3])
    }

    @Test func causalMask() {
        let scores = Tensor(zeros: [1, 3, 3]).causallyMasked()
        #expect(scores.floats == [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
        // Two queries over four keys: two cached keys are visible to both.
        let cached = Tensor(zeros: [2, 4]).causallyMasked(fill: -1e9)
        #expect(cached.floats == [0, 0, 0, -1e9, 0, 0, 0, 0])
        #expect(scores.softmax().floats[0...2] == [1, 0, 0])
    }

    @Test func gradients() {
        var random = TestRandom(seed: 14)
        let t = random.tensor([4, 3])
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].gathering(rowsAt: Tensor([1, 3, 1] as [Int64])) }
        expectGradientsMatchFiniteDifferences(at: [t, random.tensor([4, 2])]) { Tensor.concatenated($0, alongAxis: 1) }
        expectGradientsMatchFiniteDifferences(at: [t, random.tensor([1, 3])]) { Tensor.concatenated($0, alongAxis: 0) }
        expectGradientsMatchFiniteDifferences(at: [t]) { $0[0].sliced(alongAxis: 0, 1..<3) }
        expectGradientsMatchFiniteDifferences(at: [random.tensor([2, 3, 3])]) { $0[0].causallyMasked(fill: -5) }
    }
}
