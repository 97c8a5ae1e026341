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
                         transposedB: Bool = false, threaded: Bool) -> [Float] {
        var c = [Float](repeating: .nan, count: m * n)
        // B given transposed: stored [n, k], read through strides.
        let bStorage: [Float] = transposedB
            ? (0..<(n * k)).map { index in b[(index % k) * n + index / k] } : b
        a.withUnsafeBufferPointer { ap in
            bStorage.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    let matrixA = StridedMatrix(base: ap.baseAddress!, rowStride: k, columnStride: 1)
                    let matrixB = transposedB
                        ? StridedMatrix(base: bp.baseAddress!, rowStride: 1, columnStride: k)
                        : StridedMatrix(base: bp.baseAddress!, rowStride: n, columnStride: 1)
                    GEMM.multiply(m: m, n: n, k: k, a: matrixA, b: matrixB, c: cp.baseAddress!, ldc: n,
                                  threaded: threaded, kernel: kernel)
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
        (64, 64, 64), (97, 130, 259), (130, 7, 600), (3, 2100, 5),
    ])
    func everySupportedKernelMatchesTheReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var random = TestRandom(seed: UInt64(m * 7919 + n * 31 + k))
        let a = random.tensor([m, k]).floats, b = random.tensor([k, n]).floats
        let want = reference(a, b, m: m, n: n, k: k)
        for kernel in MicroKernel.supported {
            for threaded in [false, true] {
                for transposedB in [false, true] {
                    let got = product(kernel, a, b, m: m, n: n, k: k, transposedB: transposedB, threaded: threaded)
                    let worst = zip(got, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                    #expect(worst <= 1e-4, "\(kernel) \(m)×\(n)×\(k) threaded=\(threaded) tB=\(transposedB): \(worst)")
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
}
