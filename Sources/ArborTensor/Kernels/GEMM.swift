import CArborKernels
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
/// - One job per product on a persistent pool (`arbor_parallel_run`): workers take
///   slices of each B block to pack, wait until it is packed, then take (row
///   block, column chunk) items on demand, packing their own A blocks. Every
///   share is taken from an atomic counter, so a worker the OS has not scheduled
///   yet holds nothing up (the caller does its work). B blocks alternate between
///   two buffers, so packing the next block overlaps the tail of this one.
///
/// Each element of C is computed by one worker with the same depth order
/// whatever the number of workers, so results do not depend on the thread count.
/// Packing buffers are per-thread scratch kept between calls (`arbor_scratch`).
enum GEMM {
    static let mr = MicroKernel.mr
    static let kc = 256
    static let mc = 96
    static let nc = 2048

    /// Below this many multiply-adds a single thread is faster than waking others.
    static let parallelThreshold = 64 * 64 * 64

    /// The processor count, read once: on Linux `activeProcessorCount` opens and
    /// reads cgroup files, which cost more than a small matmul.
    static let processorCount = ProcessInfo.processInfo.activeProcessorCount

    /// `C[m×n] = A[m×k] · B[k×n]`; `c` is dense row-major with row stride `ldc`.
    /// `kernel` is the register tile (the CPU's best unless a test forces one);
    /// `workers` overrides the thread count (tests), else it follows the size.
    static func multiply(m: Int, n: Int, k: Int, a: StridedMatrix, b: StridedMatrix,
                         c: UnsafeMutablePointer<Float>, ldc: Int, threaded: Bool = true,
                         kernel: MicroKernel = .selected, workers requested: Int? = nil) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            return
        }
        let plan = Plan(m: m, n: n, k: k, kernel: kernel,
                        workers: requested ?? ((!threaded || m * n * k < parallelThreshold) ? 1 : processorCount))
        // Two B buffers (see the type's comment), owned by the calling thread.
        guard let bRaw = arbor_scratch(1, 2 * plan.bFloats * 4),
              let countersRaw = arbor_scratch(2, 4 * plan.steps * MemoryLayout<Int>.stride) else {
            preconditionFailure("GEMM: out of memory for \(2 * plan.bFloats * 4) bytes of packing buffers")
        }
        let counters = countersRaw.bindMemory(to: Int.self, capacity: 4 * plan.steps)
        counters.update(repeating: 0, count: 4 * plan.steps)
        let job = Job(plan: plan, a: a, b: b, c: c, ldc: ldc, kernel: kernel,
                      packedB: bRaw.bindMemory(to: Float.self, capacity: 2 * plan.bFloats), counters: counters)
        withExtendedLifetime(job) {
            _ = arbor_parallel_run(Int32(plan.workers), { context, worker, workers in
                Unmanaged<Job>.fromOpaque(context!).takeUnretainedValue().run(worker: Int(worker), of: Int(workers))
            }, Unmanaged.passUnretained(job).toOpaque())
        }
    }

    /// Block sizes and work items of one product.
    struct Plan {
        let m, n, k, nr, lanes, workers: Int
        /// Rows per work item (whole MR panels), row blocks, column chunks per row block.
        let blockRows, rowBlocks, columnChunks: Int
        /// (NC, KC) blocks, floats of one packed B buffer, B-packing items per block.
        let steps, bFloats, packItems: Int

        init(m: Int, n: Int, k: Int, kernel: MicroKernel, workers requested: Int) {
            self.m = m; self.n = n; self.k = k
            nr = kernel.nr
            lanes = kernel.aLanes
            let panels = (m + GEMM.mr - 1) / GEMM.mr
            let nPanels = (Swift.min(GEMM.nc, n) + nr - 1) / nr
            // More workers than there are tiles only adds hand-offs.
            workers = Swift.max(1, Swift.min(requested, panels * nPanels))
            // Several items per worker keep the tail short when a worker is slowed by
            // another process; few, tall rows keep packed A reused across B.
            let blockPanels = workers == 1 ? GEMM.mc / GEMM.mr
                : Swift.max(1, Swift.min(GEMM.mc / GEMM.mr, panels / (4 * workers)))
            blockRows = blockPanels * GEMM.mr
            rowBlocks = (m + blockRows - 1) / blockRows
            // About 8 items per worker, for balance: when there are too few row
            // blocks, cut the columns too (each chunk whole NR panels).
            let wanted = workers == 1 ? 1 : (8 * workers + rowBlocks - 1) / rowBlocks
            columnChunks = Swift.max(1, Swift.min(wanted, nPanels))
            steps = ((n + GEMM.nc - 1) / GEMM.nc) * ((k + GEMM.kc - 1) / GEMM.kc)
            bFloats = nPanels * nr * Swift.min(GEMM.kc, k)
            packItems = workers == 1 ? 1 : Swift.min(nPanels, 2 * workers)
        }
    }

    /// One product's shared state, read by every worker; workers write disjoint
    /// tiles of C, disjoint panels of the B buffer, and their own A scratch.
    private final class Job: @unchecked Sendable {
        let plan: Plan
        let a: StridedMatrix, b: StridedMatrix
        let c: UnsafeMutablePointer<Float>
        let ldc: Int
        let kernel: MicroKernel
        let packedB: UnsafeMutablePointer<Float>
        let counters: UnsafeMutablePointer<Int>

        init(plan: Plan, a: StridedMatrix, b: StridedMatrix, c: UnsafeMutablePointer<Float>, ldc: Int,
             kernel: MicroKernel, packedB: UnsafeMutablePointer<Float>, counters: UnsafeMutablePointer<Int>) {
            self.plan = plan; self.a = a; self.b = b; self.c = c; self.ldc = ldc
            self.kernel = kernel; self.packedB = packedB; self.counters = counters
        }

        /// This worker's part: for each (NC, KC) block, take B-packing items, wait
        /// until B is packed and the previous block's products are done, then take
        /// (row block, column chunk) items until none are left. Nothing waits for a
        /// worker that has not joined, only for work a running worker has taken.
        func run(worker: Int, of workers: Int) {
            let p = plan, nr = p.nr, mr = GEMM.mr
            let aFloats = p.blockRows * Swift.min(GEMM.kc, p.k) * p.lanes
            guard let aRaw = arbor_scratch(0, aFloats * 4) else {
                preconditionFailure("GEMM: out of memory for \(aFloats * 4) bytes of packing buffer")
            }
            let aBuffer = aRaw.bindMemory(to: Float.self, capacity: aFloats)
            let items = p.rowBlocks * p.columnChunks
            var step = 0
            for jc in stride(from: 0, to: p.n, by: GEMM.nc) {
                let ncCur = Swift.min(GEMM.nc, p.n - jc)
                let nPanels = (ncCur + nr - 1) / nr
                let packPanels = (nPanels + p.packItems - 1) / p.packItems
                let chunkPanels = (nPanels + p.columnChunks - 1) / p.columnChunks
                for pc in stride(from: 0, to: p.k, by: GEMM.kc) {
                    let kcCur = Swift.min(GEMM.kc, p.k - pc)
                    let bBlock = packedB + (step % 2) * p.bFloats
                    let counter = counters + 4 * step  // B items taken, B items done, items taken, items done
                    // This buffer was last read two blocks ago; this worker waited for all
                    // of that to finish before its previous block's products (below).
                    while true {
                        let item = arbor_atomic_fetch_add(counter, 1)
                        guard item < p.packItems else { break }
                        let first = item * packPanels, last = Swift.min(nPanels, first + packPanels)
                        if first < last {
                            GEMM.packB(b, row: pc, column: jc + first * nr, depth: kcCur,
                                       width: Swift.min(ncCur, last * nr) - first * nr, nr: nr,
                                       into: bBlock + first * nr * kcCur)
                        }
                        _ = arbor_atomic_fetch_add(counter + 1, 1)
                    }
                    wait(until: counter + 1, reaches: p.packItems)
                    // Products of this block add to C tiles the previous block wrote.
                    if step >= 1 { wait(until: counter - 4 + 3, reaches: items) }
                    var packedRowBlock = -1
                    while true {
                        let item = arbor_atomic_fetch_add(counter + 2, 1)
                        guard item < items else { break }
                        let rowBlock = item / p.columnChunks, chunk = item % p.columnChunks
                        let ic = rowBlock * p.blockRows
                        let mcCur = Swift.min(p.blockRows, p.m - ic)
                        if rowBlock != packedRowBlock {
                            GEMM.packA(a, row: ic, column: pc, height: mcCur, depth: kcCur, lanes: p.lanes, into: aBuffer)
                            packedRowBlock = rowBlock
                        }
                        let panelEnd = Swift.min(nPanels, (chunk + 1) * chunkPanels)
                        for panel in Swift.min(nPanels, chunk * chunkPanels)..<panelEnd {
                            let jr = panel * nr
                            let bPanel = UnsafePointer(bBlock + jr * kcCur)
                            for ir in stride(from: 0, to: mcCur, by: mr) {
                                kernel.run(depth: kcCur, a: UnsafePointer(aBuffer + ir * kcCur * p.lanes), b: bPanel,
                                           c: c + (ic + ir) * ldc + jc + jr, ldc: ldc, rows: Swift.min(mr, mcCur - ir),
                                           columns: Swift.min(nr, ncCur - jr), accumulate: pc > 0)
                            }
                        }
                        _ = arbor_atomic_fetch_add(counter + 3, 1)
                    }
                    step += 1
                }
            }
        }

        /// Spins (then yields) until `*counter >= target`; only ever waits for work
        /// some running worker has already taken.
        private func wait(until counter: UnsafeMutablePointer<Int>, reaches target: Int) {
            var spins: UInt32 = 0
            while arbor_atomic_load(counter) < target {
                arbor_spin_pause(spins)
                spins &+= 1
            }
        }
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
            } else if b.rowStride == 1 {
                // B read transposed (a `[out, in]` weight): walk each column's
                // contiguous depth, writing the panel's columns one by one.
                if cols < nr { dst.update(repeating: 0, count: depth * nr) }
                for j in 0..<cols {
                    let src = b.base + (column + j0 + j) * b.columnStride + row
                    for p in 0..<depth { dst[p * nr + j] = src[p] }
                }
                dst += depth * nr
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
            if lanes == 1 && rows == mr && a.columnStride == 1 {
                // Row-major A: walk each row's contiguous depth.
                for i in 0..<mr {
                    let src = a.base + (row + i0 + i) * a.rowStride + column
                    for p in 0..<depth { dst[p * mr + i] = src[p] }
                }
                dst += depth * mr
                continue
            }
            if lanes == 1 && rows == mr && a.rowStride == 1 {
                // A read transposed (`transposingA`): each depth step's MR values are adjacent.
                for p in 0..<depth {
                    (dst + p * mr).update(from: a.base + (column + p) * a.columnStride + row + i0, count: mr)
                }
                dst += depth * mr
                continue
            }
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
