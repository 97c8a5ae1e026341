@testable import ArborTensor
import Testing

/// Every register tile this CPU can run — and the portable one, which is forced
/// here although the dispatcher would not pick it on a machine with AVX2 — gives
/// the reference product on ragged sizes, transposed operands and depths spanning
/// several KC blocks (the accumulate path).
@Suite struct GEMMKernelTests {
    /// `C = op(A) · op(B)` with f64 accumulation, from row-major arrays.
    private func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                out[i * n + j] = Float(sum)
            }
        }
        return out
    }

    private func product(_ kernel: MicroKernel, _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
                         transposedA: Bool = false, transposedB: Bool = false, threaded: Bool,
                         workers: Int? = nil) -> [Float] {
        var c = [Float](repeating: .nan, count: m * n)
        // B given transposed: stored [n, k], read through strides (A likewise, [k, m]).
        let bStorage: [Float] = transposedB
            ? (0..<(n * k)).map { index in b[(index % k) * n + index / k] } : b
        let aStorage: [Float] = transposedA
            ? (0..<(m * k)).map { index in a[(index % m) * k + index / m] } : a
        aStorage.withUnsafeBufferPointer { ap in
            bStorage.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    let matrixA = transposedA
                        ? StridedMatrix(base: ap.baseAddress!, rowStride: 1, columnStride: m)
                        : StridedMatrix(base: ap.baseAddress!, rowStride: k, columnStride: 1)
                    let matrixB = transposedB
                        ? StridedMatrix(base: bp.baseAddress!, rowStride: 1, columnStride: k)
                        : StridedMatrix(base: bp.baseAddress!, rowStride: n, columnStride: 1)
                    GEMM.multiply(m: m, n: n, k: k, a: matrixA, b: matrixB, c: cp.baseAddress!, ldc: n,
                                  threaded: threaded, kernel: kernel, workers: workers)
                }
            }
        }
        return c
    }

    @Test func thePortableKernelIsAlwaysSupportedAndSelectedIsSupported() {
        #expect(MicroKernel.portable.isSupported)
        #expect(MicroKernel.selected.isSupported)
        #expect(MicroKernel.supported.contains(.selected))
    }

    @Test(arguments: [
        (1, 1, 1), (5, 7, 3), (6, 16, 8), (6, 32, 8), (7, 33, 257), (13, 17, 513),
        (64, 64, 64), (97, 130, 259), (130, 7, 600), (3, 2100, 5), (2, 300, 70), (200, 2, 300),
    ])
    func everySupportedKernelMatchesTheReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var random = TestRandom(seed: UInt64(m * 7919 + n * 31 + k))
        let a = random.tensor([m, k]).floats, b = random.tensor([k, n]).floats
        let want = reference(a, b, m: m, n: n, k: k)
        for kernel in MicroKernel.supported {
            for threaded in [false, true] {
                for (transposedA, transposedB) in [(false, false), (false, true), (true, false), (true, true)] {
                    let got = product(kernel, a, b, m: m, n: n, k: k, transposedA: transposedA,
                                      transposedB: transposedB, threaded: threaded)
                    let worst = zip(got, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                    #expect(worst <= 1e-4,
                            "\(kernel) \(m)×\(n)×\(k) threaded=\(threaded) tA=\(transposedA) tB=\(transposedB): \(worst)")
                }
            }
        }
    }

    @Test func kernelsAgreeWithEachOtherOnALargeProduct() {
        let (m, n, k) = (300, 260, 700)
        var random = TestRandom(seed: 99)
        let a = random.tensor([m, k]).floats, b = random.tensor([k, n]).floats
        let portable = product(.portable, a, b, m: m, n: n, k: k, threaded: true)
        for kernel in MicroKernel.supported where kernel != .portable {
            let got = product(kernel, a, b, m: m, n: n, k: k, threaded: true)
            let worst = zip(got, portable).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 1e-4, "\(kernel) vs portable: \(worst)")
        }
    }

    /// Each element of C comes from one worker in one depth order, so the bits do
    /// not depend on how many workers share the product (nor on the pool being
    /// busy, when a product runs on its caller alone).
    @Test(arguments: [(1, 1, 1), (7, 2100, 300), (300, 40, 530), (97, 130, 259), (5, 600, 64)])
    func resultsDoNotDependOnTheWorkerCount(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var random = TestRandom(seed: UInt64(m * 131 + n * 17 + k))
        let a = random.tensor([m, k]).floats, b = random.tensor([k, n]).floats
        for kernel in MicroKernel.supported {
            let single = product(kernel, a, b, m: m, n: n, k: k, threaded: false)
            for workers in [2, 3, 5] {
                let got = product(kernel, a, b, m: m, n: n, k: k, transposedB: false, threaded: true, workers: workers)
                #expect(got == single, "\(kernel) \(m)×\(n)×\(k) with \(workers) workers differs from one")
            }
        }
    }

    /// Products started from many threads at once share the one pool (or run on
    /// their callers when it is busy) and each still gets its own right answer.
    @Test func concurrentProductsEachGetTheirOwnResult() async {
        let (m, n, k) = (150, 170, 300)
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for task in 0..<8 {
                group.addTask {
                    var random = TestRandom(seed: UInt64(1000 + task))
                    let a = random.tensor([m, k]).floats, b = random.tensor([k, n]).floats
                    let want = self.reference(a, b, m: m, n: n, k: k)
                    var ok = true
                    for _ in 0..<3 {
                        let got = self.product(.selected, a, b, m: m, n: n, k: k, threaded: true, workers: 2)
                        ok = ok && zip(got, want).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
                    }
                    return (task, ok)
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 8)
        #expect(results.values.allSatisfy { $0 })
    }
}
