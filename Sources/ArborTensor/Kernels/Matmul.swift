/// Matrix product of the last two axes, batched and broadcasting over the rest
/// (NumPy's `matmul`), computed in f32 by the blocked `GEMM`.
///
/// `transposingA`/`transposingB` multiply by the transpose of an operand without
/// materializing it: the kernel packs from the operand's own layout. So
/// `matmul(x, w, transposingB: true)` applies a PyTorch `Linear.weight` `[out, in]`
/// directly, and attention scores are `matmul(q, k, transposingB: true)`.
///
/// - Parameters:
///   - a: `[..., M, K]` (or `[..., K, M]` when `transposingA`).
///   - b: `[..., K, N]` (or `[..., N, K]` when `transposingB`).
///   - transposingA: Read `a`'s last two axes swapped, without copying it.
///   - transposingB: Read `b`'s last two axes swapped, without copying it.
/// - Returns: `[...batch, M, N]`, batch being the broadcast of both batch shapes.
public func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool = false, transposingB: Bool = false) -> Tensor {
    a.requireFloat32("matmul")
    b.requireFloat32("matmul")
    precondition(a.rank >= 2 && b.rank >= 2, "matmul: operands need rank ≥ 2, got shapes \(a.shape) and \(b.shape)")
    let m = transposingA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
    let k = transposingA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
    let kB = transposingB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
    let n = transposingB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
    precondition(k == kB, "matmul: inner dimensions differ: shapes \(a.shape)\(transposingA ? "ᵀ" : "") and \(b.shape)\(transposingB ? "ᵀ" : "")")
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    let batch = Tensor.broadcastShape(batchA, batchB, op: "matmul")

    let out: Tensor
    if b.rank == 2 && !transposingA {
        // A stack of rows times one matrix is one tall GEMM: better blocking and threading.
        let rows = a.shape.dropLast().reduce(1, *)
        out = gemmBatch(a, b, batchCount: 1, m: rows, n: n, k: k,
                        transposingA: false, transposingB: transposingB, offsets: { _ in (0, 0) },
                        shape: batch + [m, n])
    } else {
        let stridesA = Tensor.broadcastStrides(batchA, to: batch), stridesB = Tensor.broadcastStrides(batchB, to: batch)
        let batchStrides = Tensor.strides(of: batch)
        let sizeA = a.shape.suffix(2).reduce(1, *), sizeB = b.shape.suffix(2).reduce(1, *)
        out = gemmBatch(a, b, batchCount: Tensor.elementCount(of: batch), m: m, n: n, k: k,
                        transposingA: transposingA, transposingB: transposingB, offsets: { index in
            var offA = 0, offB = 0, rest = index
            for axis in batch.indices {
                let i = rest / batchStrides[axis]
                rest %= batchStrides[axis]
                offA += i * stridesA[axis]
                offB += i * stridesB[axis]
            }
            return (offA * sizeA, offB * sizeB)
        }, shape: batch + [m, n])
    }

    return GradientTape.recordOperation(out, inputs: [a, b]) { g, want in
        [want[0] ? matmulGradientA(g, a, b, transposingA, transposingB) : nil,
         want[1] ? matmulGradientB(g, a, b, transposingA, transposingB) : nil]
    }
}

/// d(loss)/dA for `C = op(A)·op(B)` (derivations in the cases' comments).
private func matmulGradientA(_ g: Tensor, _ a: Tensor, _ b: Tensor, _ tA: Bool, _ tB: Bool) -> Tensor {
    let full: Tensor = switch (tA, tB) {
    case (false, false): matmul(g, b, transposingB: true)                    // g·Bᵀ
    case (false, true): matmul(g, b)                                         // g·B
    case (true, false): matmul(b, g, transposingB: true)                     // (g·Bᵀ)ᵀ = B·gᵀ
    case (true, true): matmul(b, g, transposingA: true, transposingB: true)  // (g·B)ᵀ = Bᵀ·gᵀ
    }
    return full.summed(toShape: a.shape)
}

/// d(loss)/dB for `C = op(A)·op(B)`.
private func matmulGradientB(_ g: Tensor, _ a: Tensor, _ b: Tensor, _ tA: Bool, _ tB: Bool) -> Tensor {
    if b.rank == 2 && a.rank > 2 && !tA {
        // Fold the batch into rows so the gradient is one GEMM, not a stack to sum.
        let k = a.shape[a.rank - 1], n = g.shape[g.rank - 1]
        let a2 = a.reshapedUnchecked([a.shape.dropLast().reduce(1, *), k])
        let g2 = g.reshapedUnchecked([g.shape.dropLast().reduce(1, *), n])
        return matmulGradientB(g2, a2, b, false, tB)
    }
    let full: Tensor = switch (tA, tB) {
    case (false, false): matmul(a, g, transposingA: true)                    // Aᵀ·g
    case (false, true): matmul(g, a, transposingA: true)                     // (Aᵀ·g)ᵀ = gᵀ·A
    case (true, false): matmul(a, g)                                         // A·g
    case (true, true): matmul(g, a, transposingA: true, transposingB: true)  // (A·g)ᵀ = gᵀ·Aᵀ
    }
    return full.summed(toShape: b.shape)
}

/// Runs one GEMM per batch entry into a new `[batch, m, n]` result. Large products
/// thread inside the GEMM; many small ones thread across the batch instead.
private func gemmBatch(_ a: Tensor, _ b: Tensor, batchCount: Int, m: Int, n: Int, k: Int,
                       transposingA: Bool, transposingB: Bool,
                       offsets: @escaping @Sendable (Int) -> (Int, Int), shape: [Int]) -> Tensor {
    Tensor.makeFloat32(shape) { out in
        guard out.count > 0, let c = out.baseAddress else { return }
        a.withFloats { ap in b.withFloats { bp in
            // A zero-size inner dimension still has a (zero) result to write.
            let aBase = ap.baseAddress ?? UnsafePointer(c), bBase = bp.baseAddress ?? UnsafePointer(c)
            let lda = transposingA ? m : k, ldb = transposingB ? k : n
            let context = BatchContext(a: aBase, b: bBase, c: c)
            let run: @Sendable (Int) -> Void = { index in
                let (offA, offB) = offsets(index)
                let matrixA = transposingA
                    ? StridedMatrix(base: context.a + offA, rowStride: 1, columnStride: lda)
                    : StridedMatrix(base: context.a + offA, rowStride: lda, columnStride: 1)
                let matrixB = transposingB
                    ? StridedMatrix(base: context.b + offB, rowStride: 1, columnStride: ldb)
                    : StridedMatrix(base: context.b + offB, rowStride: ldb, columnStride: 1)
                GEMM.multiply(m: m, n: n, k: k, a: matrixA, b: matrixB, c: context.c + index * m * n, ldc: n,
                              threaded: batchCount == 1)
            }
            if batchCount > 1 && m * n * k < GEMM.parallelThreshold * 4 {
                // Small products: share the batch out, unless all of it is small too.
                let total = batchCount * m * n * k
                ParallelLoop.run(count: batchCount, workers: total < GEMM.parallelThreshold ? 1 : GEMM.processorCount, run)
            } else {
                for index in 0..<batchCount { run(index) }
            }
        } }
    }
}

/// Base pointers shared by the batch workers, which write disjoint slices of `c`.
private struct BatchContext: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
}
