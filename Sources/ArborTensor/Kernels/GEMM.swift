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
/// - A is packed per (`MC` × `KC`) block into `MR`-row panels, `aLanes` floats
///   per element (see `GEMMMicroKernel.swift` for the register tiles, how one is
///   chosen at run time, and why the portable one stores A pre-broadcast);
/// - Row blocks of C are shared out between cores with `concurrentPerform`; each
///   worker packs its own A blocks, all share the packed B block.
enum GEMM {
    static let mr = MicroKernel.mr
    static let kc = 256
    static let mc = 96
    static let nc = 2048

    /// Below this many multiply-adds a single thread is faster than waking others.
    static let parallelThreshold = 96 * 96 * 96

    /// The processor count, read once: on Linux `activeProcessorCount` opens and
    /// reads cgroup files, which cost more than a small matmul.
    static let processorCount = ProcessInfo.processInfo.activeProcessorCount

    /// `C[m×n] = A[m×k] · B[k×n]`; `c` is dense row-major with row stride `ldc`.
    /// `kernel` is the register tile (the CPU's best unless a test forces one).
    static func multiply(m: Int, n: Int, k: Int, a: StridedMatrix, b: StridedMatrix,
                         c: UnsafeMutablePointer<Float>, ldc: Int, threaded: Bool = true,
                         kernel: MicroKernel = .selected) {
        let nr = kernel.nr, lanes = kernel.aLanes
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            return
        }
        let cores = processorCount
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
        // 64-byte alignment: a cache line, and what the widest kernel's loads like.
        let packedBRaw = UnsafeMutableRawPointer.allocate(byteCount: bPanelFloats * 4, alignment: 64)
        defer { packedBRaw.deallocate() }
        let packedB = packedBRaw.bindMemory(to: Float.self, capacity: bPanelFloats)
        let aFloats = aPanelVectors * lanes
        let packedARaw = UnsafeMutableRawPointer.allocate(byteCount: aFloats * workers * 4, alignment: 64)
        defer { packedARaw.deallocate() }
        let packedA = packedARaw.bindMemory(to: Float.self, capacity: aFloats * workers)
        let shared = SharedBuffers(packedB: packedB, packedA: packedA, c: c)

        for jc in stride(from: 0, to: n, by: nc) {
            let ncCur = min(nc, n - jc)
            for pc in stride(from: 0, to: k, by: kc) {
                let kcCur = min(kc, k - pc)
                packB(b, row: pc, column: jc, depth: kcCur, width: ncCur, nr: nr, into: packedB)
                let blocks = BlockCounter(count: (m + blockRows - 1) / blockRows)
                let work: @Sendable (Int) -> Void = { w in
                    let aBuffer = shared.packedA + w * aFloats
                    while let block = blocks.next() {
                        let ic = block * blockRows
                        let mcCur = min(blockRows, m - ic)
                        packA(a, row: ic, column: pc, height: mcCur, depth: kcCur, lanes: lanes, into: aBuffer)
                        for jr in stride(from: 0, to: ncCur, by: nr) {
                            let cols = min(nr, ncCur - jr)
                            let bPanel = UnsafePointer(shared.packedB + jr * kcCur)
                            for ir in stride(from: 0, to: mcCur, by: mr) {
                                let aPanel = UnsafePointer(aBuffer + ir * kcCur * lanes)
                                let cTile = shared.c + (ic + ir) * ldc + jc + jr
                                kernel.run(depth: kcCur, a: aPanel, b: bPanel, c: cTile, ldc: ldc,
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
        let packedA: UnsafeMutablePointer<Float>
        let c: UnsafeMutablePointer<Float>
    }

    /// Packs `depth × width` of B at (`row`, `column`) into NR-column panels,
    /// zero-padding the last panel.
    static func packB(_ b: StridedMatrix, row: Int, column: Int, depth: Int, width: Int, nr: Int,
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

    /// Packs `height × depth` of A at (`row`, `column`) into MR-row panels,
    /// zero-padding the last panel; each element is stored `lanes` times.
    static func packA(_ a: StridedMatrix, row: Int, column: Int, height: Int, depth: Int, lanes: Int,
                      into out: UnsafeMutablePointer<Float>) {
        var dst = out
        for i0 in stride(from: 0, to: height, by: mr) {
            let rows = min(mr, height - i0)
            for p in 0..<depth {
                if lanes == 1 {
                    for i in 0..<mr { dst[i] = i < rows ? a[row + i0 + i, column + p] : 0 }
                } else {
                    for i in 0..<mr {
                        let value = i < rows ? a[row + i0 + i, column + p] : 0
                        (dst + i * lanes).update(repeating: value, count: lanes)
                    }
                }
                dst += mr * lanes
            }
        }
    }
}
