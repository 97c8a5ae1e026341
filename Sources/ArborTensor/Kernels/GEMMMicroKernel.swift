import CArborKernels
import Foundation

/// The register tile at the heart of `GEMM`: `C[MR×NR] (+)= Apanel · Bpanel`,
/// chosen once per process from what the CPU can run.
///
/// Swift has no per-function target features, and a package built with
/// `-target-cpu` (unsafeFlags) cannot be depended on, so the wide kernels are C
/// functions with their own `target` attributes (`CArborKernels`) and the choice
/// is made at run time:
///
/// - **`avx512`** (x86-64 with AVX-512F): a 6×32 tile of 512-bit accumulators.
/// - **`avx2`** (x86-64 with AVX2 + FMA3): a 6×16 tile of 256-bit accumulators
///   updated with fused multiply-adds, A broadcast from plain floats.
/// - **`portable`** (any CPU; the fallback): a 6×8 tile of `SIMD4` in Swift. On
///   baseline x86-64 (SSE2) there is no FMA and a broadcast costs a shuffle, so A
///   is packed *pre-broadcast* (each element stored 4 times), which turns the
///   broadcast into a folded load; on arm64, where FMA is baseline, NEON's fused
///   multiply-add is used.
///
/// `ARBOR_GEMM_KERNEL=portable|avx2|avx512` in the environment forces a kernel
/// (one the CPU cannot run is ignored), for comparing them or working around a
/// suspected kernel bug.
enum MicroKernel: String, CaseIterable, Sendable {
    case portable
    case avx2
    case avx512

    /// Rows of the tile, the same for every kernel.
    static let mr = 6

    /// Columns of the tile (the width of a packed B panel).
    var nr: Int {
        switch self {
        case .portable: 8
        case .avx2: 16
        case .avx512: 32
        }
    }

    /// Floats stored per element of packed A: the portable kernel keeps A pre-broadcast.
    var aLanes: Int { self == .portable ? 4 : 1 }

    /// Whether this CPU runs the kernel.
    var isSupported: Bool {
        switch self {
        case .portable: true
        case .avx2: arbor_cpu_supports_avx2_fma() != 0
        case .avx512: arbor_cpu_supports_avx512f() != 0
        }
    }

    /// The kernels this CPU runs, fastest last.
    static var supported: [MicroKernel] { allCases.filter(\.isSupported) }

    /// The kernel GEMM uses: the environment's choice if the CPU runs it, else the
    /// widest supported one.
    static let selected: MicroKernel = {
        if let name = ProcessInfo.processInfo.environment["ARBOR_GEMM_KERNEL"],
           let forced = MicroKernel(rawValue: name.lowercased()), forced.isSupported {
            return forced
        }
        return preferred
    }()

    /// The default among supported kernels: the widest. Measured on AMD Zen 4
    /// (which splits 512-bit operations in two), the 6×32 AVX-512 tile beat the
    /// 6×16 AVX2 one at 256-1024 in every run, by the most at 256 (half the
    /// broadcasts and loads per multiply-add, half the tiles to call), and
    /// split the runs at 2048; see `Benchmarks/README.md`.
    static var preferred: MicroKernel {
        if avx512.isSupported { return .avx512 }
        return avx2.isSupported ? .avx2 : .portable
    }

    /// Runs one tile. `a` holds `depth × mr × aLanes` floats, `b` `depth × nr`.
    @inline(__always)
    func run(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
             rows: Int, columns: Int, accumulate: Bool) {
        switch self {
        case .avx2:
            arbor_sgemm_6x16_avx2(depth, a, b, c, ldc, Int32(rows), Int32(columns), accumulate ? 1 : 0)
        case .avx512:
            arbor_sgemm_6x32_avx512(depth, a, b, c, ldc, Int32(rows), Int32(columns), accumulate ? 1 : 0)
        case .portable:
            MicroKernel.runPortable(depth: depth, a: UnsafeRawPointer(a), b: UnsafeRawPointer(b), c: c, ldc: ldc,
                                    rows: rows, columns: columns, accumulate: accumulate)
        }
    }

    /// The Swift 6×8 tile (see the type's comment for the pre-broadcast A).
    private static func runPortable(depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutablePointer<Float>,
                                    ldc: Int, rows: Int, columns: Int, accumulate: Bool) {
        typealias V = SIMD4<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a.assumingMemoryBound(to: V.self)
        var bp = b.assumingMemoryBound(to: V.self)
        for _ in 0..<depth {
            let b0 = bp[0], b1 = bp[1]
            #if arch(arm64)
            let a0 = ap[0]; c00.addProduct(a0, b0); c01.addProduct(a0, b1)
            let a1 = ap[1]; c10.addProduct(a1, b0); c11.addProduct(a1, b1)
            let a2 = ap[2]; c20.addProduct(a2, b0); c21.addProduct(a2, b1)
            let a3 = ap[3]; c30.addProduct(a3, b0); c31.addProduct(a3, b1)
            let a4 = ap[4]; c40.addProduct(a4, b0); c41.addProduct(a4, b1)
            let a5 = ap[5]; c50.addProduct(a5, b0); c51.addProduct(a5, b1)
            #else
            // `+= a * b`, not `addProduct`: without FMA hardware that is a libm call.
            let a0 = ap[0]; c00 += a0 * b0; c01 += a0 * b1
            let a1 = ap[1]; c10 += a1 * b0; c11 += a1 * b1
            let a2 = ap[2]; c20 += a2 * b0; c21 += a2 * b1
            let a3 = ap[3]; c30 += a3 * b0; c31 += a3 * b1
            let a4 = ap[4]; c40 += a4 * b0; c41 += a4 * b1
            let a5 = ap[5]; c50 += a5 * b0; c51 += a5 * b1
            #endif
            ap += 6; bp += 2
        }
        let tile = (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
        withUnsafeBytes(of: tile) { storePortable($0, c: c, ldc: ldc, rows: rows, columns: columns, accumulate: accumulate) }
    }

    /// Writes (or adds) the `rows × columns` valid part of a 6×8 tile into C.
    @inline(__always)
    private static func storePortable(_ tile: UnsafeRawBufferPointer, c: UnsafeMutablePointer<Float>, ldc: Int,
                                      rows: Int, columns: Int, accumulate: Bool) {
        typealias V = SIMD4<Float>
        let nr = 8
        if rows == mr && columns == nr {
            for i in 0..<mr {
                let row = UnsafeMutableRawPointer(c + i * ldc)
                for h in 0..<(nr / 4) {
                    var v = tile.load(fromByteOffset: (i * nr + 4 * h) * 4, as: V.self)
                    if accumulate { v += row.loadUnaligned(fromByteOffset: h * 16, as: V.self) }
                    row.storeBytes(of: v, toByteOffset: h * 16, as: V.self)
                }
            }
        } else {
            let values = tile.assumingMemoryBound(to: Float.self)
            for i in 0..<rows {
                for j in 0..<columns {
                    let v = values[i * nr + j]
                    c[i * ldc + j] = accumulate ? c[i * ldc + j] + v : v
                }
            }
        }
    }
}
