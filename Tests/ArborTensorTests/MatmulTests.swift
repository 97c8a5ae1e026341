@testable import ArborTensor
import Testing

/// Reference product, f64 accumulation: `op(a) · op(b)` for 2-D operands.
private func naiveMatmul(_ a: Tensor, _ b: Tensor, _ tA: Bool = false, _ tB: Bool = false) -> Tensor {
    let av = a.floats, bv = b.floats
    let m = tA ? a.shape[1] : a.shape[0], k = tA ? a.shape[0] : a.shape[1]
    let n = tB ? b.shape[0] : b.shape[1]
    var out = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s: Double = 0
            for p in 0..<k {
                let x = tA ? av[p * m + i] : av[i * k + p]
                let y = tB ? bv[j * k + p] : bv[p * n + j]
                s += Double(x) * Double(y)
            }
            out[i * n + j] = Float(s)
        }
    }
    return Tensor(out, shape: [m, n])
}

@Suite struct MatmulTests {
    @Test(arguments: [
        (1, 1, 1), (1, 17, 5), (9, 1, 4), (6, 8, 256), (7, 9, 257), (13, 29, 300),
        (97, 130, 259), (200, 150, 300), (3, 2100, 5), (130, 7, 600),
    ])
    func matchesNaiveProduct(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var random = TestRandom(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let a = random.tensor([m, k]), b = random.tensor([k, n])
        #expect(isClose(matmul(a, b), naiveMatmul(a, b), rtol: 1e-4, atol: 1e-4))
    }

    @Test(arguments: [(false, true), (true, false), (true, true)])
    func transposedOperandsMatchMaterializedTransposes(tA: Bool, tB: Bool) {
        var random = TestRandom(seed: 7)
        let (m, n, k) = (37, 45, 131)
        let a = random.tensor(tA ? [k, m] : [m, k]), b = random.tensor(tB ? [n, k] : [k, n])
        let result = matmul(a, b, transposingA: tA, transposingB: tB)
        #expect(result.shape == [m, n])
        #expect(isClose(result, naiveMatmul(a, b, tA, tB), rtol: 1e-4, atol: 1e-4))
        #expect(isClose(result, matmul(tA ? a.transposed() : a, tB ? b.transposed() : b), rtol: 1e-5, atol: 1e-5))
    }

    @Test func zeroSizeDimensions() {
        #expect(matmul(Tensor(zeros: [0, 3]), Tensor(zeros: [3, 4])).shape == [0, 4])
        #expect(matmul(Tensor(zeros: [2, 3]), Tensor(zeros: [3, 0])).shape == [2, 0])
        // An empty inner dimension gives a zero result, not garbage.
        let empty = matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3]))
        #expect(empty == Tensor(zeros: [2, 3]))
        #expect(matmul(Tensor(zeros: [4, 0, 3]), Tensor(zeros: [3, 2])).shape == [4, 0, 2])
    }

    @Test func batchedAndBroadcastBatches() throws {
        var random = TestRandom(seed: 11)
        let a = random.tensor([2, 3, 5, 4]), b = random.tensor([3, 4, 6])
        let result = matmul(a, b)
        #expect(result.shape == [2, 3, 5, 6])
        for i in 0..<2 {
            for j in 0..<3 {
                let slice = result.sliced(alongAxis: 0, i..<(i + 1)).sliced(alongAxis: 1, j..<(j + 1))
                let expected = naiveMatmul(
                    try a.sliced(alongAxis: 0, i..<(i + 1)).sliced(alongAxis: 1, j..<(j + 1)).reshaped([5, 4]),
                    try b.sliced(alongAxis: 0, j..<(j + 1)).reshaped([4, 6]))
                #expect(isClose(try slice.reshaped([5, 6]), expected, rtol: 1e-5, atol: 1e-5))
            }
        }
        // Stack of rows times one matrix (the folded path) and its transposed-B form.
        let x = random.tensor([4, 7, 9]), w = random.tensor([9, 5]), wt = random.tensor([5, 9])
        #expect(isClose(try matmul(x, w).reshaped([28, 5]), naiveMatmul(try x.reshaped([28, 9]), w), rtol: 1e-5, atol: 1e-5))
        #expect(isClose(try matmul(x, wt, transposingB: true).reshaped([28, 5]),
                        naiveMatmul(try x.reshaped([28, 9]), wt, false, true), rtol: 1e-5, atol: 1e-5))
    }

    @Test func manySmallBatchesRunInParallel() throws {
        var random = TestRandom(seed: 5)
        let q = random.tensor([16, 10, 8]), k = random.tensor([16, 10, 8])
        let scores = matmul(q, k, transposingB: true)
        #expect(scores.shape == [16, 10, 10])
        let last = try scores.sliced(alongAxis: 0, 15..<16).reshaped([10, 10])
        let expected = naiveMatmul(try q.sliced(alongAxis: 0, 15..<16).reshaped([10, 8]),
                                   try k.sliced(alongAxis: 0, 15..<16).reshaped([10, 8]), false, true)
        #expect(isClose(last, expected, rtol: 1e-5, atol: 1e-5))
    }

    /// A batch of small products large enough in total to be shared out on the
    /// worker pool (`ParallelLoop`): every entry is right, not just one.
    @Test func aBatchSharedOutOnThePoolComputesEveryEntry() throws {
        var random = TestRandom(seed: 6)
        let a = random.tensor([64, 30, 40]), b = random.tensor([64, 30, 40])
        let product = matmul(a, b, transposingB: true)
        #expect(product.shape == [64, 30, 30])
        for index in [0, 1, 31, 62, 63] {
            let got = try product.sliced(alongAxis: 0, index..<(index + 1)).reshaped([30, 30])
            let expected = naiveMatmul(try a.sliced(alongAxis: 0, index..<(index + 1)).reshaped([30, 40]),
                                       try b.sliced(alongAxis: 0, index..<(index + 1)).reshaped([30, 40]), false, true)
            #expect(isClose(got, expected, rtol: 1e-5, atol: 1e-5), "batch entry \(index)")
        }
    }

    @Test func gradients() {
        var random = TestRandom(seed: 3)
        for (tA, tB) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = random.tensor(tA ? [4, 3] : [3, 4]), b = random.tensor(tB ? [5, 4] : [4, 5])
            expectGradientsMatchFiniteDifferences(at: [a, b]) { matmul($0[0], $0[1], transposingA: tA, transposingB: tB) }
        }
        // Batched with a broadcast batch, and the folded stack-times-matrix path.
        expectGradientsMatchFiniteDifferences(at: [random.tensor([2, 3, 4]), random.tensor([1, 4, 2])]) { matmul($0[0], $0[1]) }
        expectGradientsMatchFiniteDifferences(at: [random.tensor([2, 3, 4]), random.tensor([4, 2])]) { matmul($0[0], $0[1]) }
        expectGradientsMatchFiniteDifferences(at: [random.tensor([2, 3, 4]), random.tensor([2, 4])]) {
            matmul($0[0], $0[1], transposingB: true)
        }
    }
}
