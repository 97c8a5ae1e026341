import Dispatch
import Foundation

/// A read-only f32 matrix described by strides, so transposed operands are packed
/// straight from their storage instead of being materialized first.
struct StridedMatrix: @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rowStride: Int
    let columnStride: Int

    @inline(__always)
    subscript(row: Int, column: Int) -> Float { base[row * rowStride + column * columnStride] }
}

/// Single-precision GEMM, `C = A · B`, in the GotoBLAS/BLIS layout:
///
/// - B is packed per (`NC` columns × `KC` depth) block into `NR`-wide panels that
///   sit in L1 while the micro-kernel runs over them;
/// - A is packed per (`MC` × `KC`) block into `MR`-row panels, each element stored
///   already broadcast to a `SIMD4`. The build targets baseline x86-64 (SSE2), where
///   a broadcast costs a shuffle on the same ports as the multiplies and adds; a
///   pre-broadcast panel turns it into a plain (folded) load, and the 6×8 kernel
///   then keeps 12 accumulators, 2 B vectors and 2 temporaries in the 16 registers.
/// - Row blocks of C are shared out between cores with `concurrentPerform`; each
///   worker packs its own A blocks, all share the packed B block.
enum GEMM {
    static let mr = 6
    static let nr = 8
    static let kc = 256
    static let mc = 96
    static let nc = 2048

    /// Below this many multiply-adds a single thread is faster than waking others.
    static let parallelThreshold = 96 * 96 * 96

    /// `C[m×n] = A[m×k] · B[k×n]`; `c` is dense row-major with row stride `ldc`.
    static func multiply(m: Int, n: Int, k: Int, a: StridedMatrix, b: StridedMatrix,
                         c: UnsafeMutablePointer<Float>, ldc: Int, threaded: Bool = true) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            return
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let workers = (!threaded || m * n * k < parallelThreshold || m < 2 * mr) ? 1 : max(1, min(cores, m / mr))
        // Row blocks are handed out on demand, so a worker slowed by another process
        // on a shared machine does not hold the product up. Several blocks per
        // worker keep the tail short; a block is a whole number of MR panels.
        let panels = (m + mr - 1) / mr
        let blockPanels = workers == 1 ? mc / mr : max(1, min(mc / mr, panels / (4 * workers)))
        let blockRows = blockPanels * mr
        let kcMax = min(kc, k), ncMax = min(nc, n)
        let bPanelFloats = ((ncMax + nr - 1) / nr) * nr * kcMax
        let aPanelVectors = min(blockRows, panels * mr) * kcMax
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: bPanelFloats)
        defer { packedB.deallocate() }
        let packedA = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: aPanelVectors * workers)
        defer { packedA.deallocate() }
        let shared = SharedBuffers(packedB: packedB, packedA: packedA, c: c)

        for jc in stride(from: 0, to: n, by: nc) {
            let ncCur = min(nc, n - jc)
            for pc in stride(from: 0, to: k, by: kc) {
                let kcCur = min(kc, k - pc)
                packB(b, row: pc, column: jc, depth: kcCur, width: ncCur, into: packedB)
                let blocks = BlockCounter(count: (m + blockRows - 1) / blockRows)
                let work: @Sendable (Int) -> Void = { w in
                    let aBuffer = shared.packedA + w * aPanelVectors
                    while let block = blocks.next() {
                        let ic = block * blockRows
                        let mcCur = min(blockRows, m - ic)
                        packA(a, row: ic, column: pc, height: mcCur, depth: kcCur, into: aBuffer)
                        for jr in stride(from: 0, to: ncCur, by: nr) {
                            let cols = min(nr, ncCur - jr)
                            let bPanel = UnsafeRawPointer(shared.packedB + jr * kcCur)
                            for ir in stride(from: 0, to: mcCur, by: mr) {
                                let aPanel = UnsafeRawPointer(aBuffer + ir * kcCur)
                                let cTile = shared.c + (ic + ir) * ldc + jc + jr
                                microKernel(depth: kcCur, a: aPanel, b: bPanel, c: cTile, ldc: ldc,
                                            rows: min(mr, mcCur - ir), columns: cols, accumulate: pc > 0)
                            }
                        }
                    }
                }
                if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
            }
        }
    }

    /// Hands out block indices `0..<count` to workers, each exactly once.
    private final class BlockCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var nextBlock = 0
        private let count: Int

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard nextBlock < count else { return nil }
            nextBlock += 1
            return nextBlock - 1
        }
    }

    /// Pointers handed to the worker closures; each worker writes only its own rows of
    /// C and its own slice of `packedA`, and only reads `packedB`.
    private struct SharedBuffers: @unchecked Sendable {
        let packedB: UnsafeMutablePointer<Float>
        let packedA: UnsafeMutablePointer<SIMD4<Float>>
        let c: UnsafeMutablePointer<Float>
    }

    /// Packs `depth × width` of B at (`row`, `column`) into NR-column panels,
    /// zero-padding the last panel.
    static func packB(_ b: StridedMatrix, row: Int, column: Int, depth: Int, width: Int,
                      into out: UnsafeMutablePointer<Float>) {
        var dst = out
        for j0 in stride(from: 0, to: width, by: nr) {
            let cols = min(nr, width - j0)
            if cols == nr && b.columnStride == 1 {
                for p in 0..<depth {
                    let src = b.base + (row + p) * b.rowStride + column + j0
                    dst.update(from: src, count: nr)
                    dst += nr
                }
            } else {
                for p in 0..<depth {
                    for j in 0..<nr { dst[j] = j < cols ? b[row + p, column + j0 + j] : 0 }
                    dst += nr
                }
            }
        }
    }

    /// Packs `height × depth` of A at (`row`, `column`) into MR-row panels of
    /// broadcast `SIMD4`s, zero-padding the last panel.
    static func packA(_ a: StridedMatrix, row: Int, column: Int, height: Int, depth: Int,
                      into out: UnsafeMutablePointer<SIMD4<Float>>) {
        var dst = out
        for i0 in stride(from: 0, to: height, by: mr) {
            let rows = min(mr, height - i0)
            if rows == mr {
                for p in 0..<depth {
                    for i in 0..<mr { dst[i] = SIMD4(repeating: a[row + i0 + i, column + p]) }
                    dst += mr
                }
            } else {
                for p in 0..<depth {
                    for i in 0..<mr { dst[i] = SIMD4(repeating: i < rows ? a[row + i0 + i, column + p] : 0) }
                    dst += mr
                }
            }
        }
    }

    /// The 6×8 register tile: `C[tile] (+)= Apanel · Bpanel` over `depth`.
    @inline(__always)
    static func microKernel(depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer,
                            c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                            accumulate: Bool) {
        typealias V = SIMD4<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a.assumingMemoryBound(to: V.self)
        var bp = b.assumingMemoryBound(to: V.self)
        for _ in 0..<depth {
            let b0 = bp[0], b1 = bp[1]
            let a0 = ap[0]; c00 += a0 * b0; c01 += a0 * b1
            let a1 = ap[1]; c10 += a1 * b0; c11 += a1 * b1
            let a2 = ap[2]; c20 += a2 * b0; c21 += a2 * b1
            let a3 = ap[3]; c30 += a3 * b0; c31 += a3 * b1
            let a4 = ap[4]; c40 += a4 * b0; c41 += a4 * b1
            let a5 = ap[5]; c50 += a5 * b0; c51 += a5 * b1
            ap += 6; bp += 2
        }
        let tile = (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
        if rows == mr && columns == nr {
            withUnsafeBytes(of: tile) { t in
                for i in 0..<mr {
                    let row = UnsafeMutableRawPointer(c + i * ldc)
                    for h in 0..<2 {
                        var v = t.load(fromByteOffset: (2 * i + h) * 16, as: V.self)
                        if accumulate { v += row.loadUnaligned(fromByteOffset: h * 16, as: V.self) }
                        row.storeBytes(of: v, toByteOffset: h * 16, as: V.self)
                    }
                }
            }
        } else {
            withUnsafeBytes(of: tile) { t in
                let values = t.assumingMemoryBound(to: Float.self)
                for i in 0..<rows {
                    for j in 0..<columns {
                        let v = values[i * nr + j]
                        c[i * ldc + j] = accumulate ? c[i * ldc + j] + v : v
                    }
                }
            }
        }
    }
}
