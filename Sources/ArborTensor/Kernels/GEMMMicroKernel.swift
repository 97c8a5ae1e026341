/// The register tile at the heart of `GEMM`: `C[MR×NR] (+)= Apanel · Bpanel`.
///
/// Two builds, chosen at compile time because Swift has no per-function target
/// features:
///
/// - **Default (baseline x86-64, SSE2; any other CPU)**: a 6×8 tile of `SIMD4`
///   accumulators. SSE has no fused multiply-add and its instructions overwrite an
///   operand, and a broadcast costs a shuffle on the same ports as the multiplies
///   and adds. So A is packed *pre-broadcast* (each element stored as a `SIMD4`),
///   which turns the broadcast into a folded load; 12 accumulators, 2 B vectors and
///   2 temporaries fill the 16 registers.
/// - **`-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DARBOR_AVX2`** (AVX2 + FMA
///   machines): a 6×16 tile of `SIMD8` accumulators updated with fused
///   multiply-adds, A packed as plain floats (`vbroadcastss` loads them). About
///   twice the flops per core. Without `-target-cpu` this variant would call `fmaf`
///   per lane, so the flag pair goes together.
enum MicroKernel {
    static let mr = 6

    #if ARBOR_AVX2
    static let nr = 16
    typealias PackedA = Float
    @inline(__always) static func pack(_ value: Float) -> PackedA { value }

    @inline(__always)
    static func run(depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutablePointer<Float>, ldc: Int,
                    rows: Int, columns: Int, accumulate: Bool) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a.assumingMemoryBound(to: Float.self)
        var bp = b.assumingMemoryBound(to: V.self)
        for _ in 0..<depth {
            let b0 = bp[0], b1 = bp[1]
            let a0 = V(repeating: ap[0]); c00.addProduct(a0, b0); c01.addProduct(a0, b1)
            let a1 = V(repeating: ap[1]); c10.addProduct(a1, b0); c11.addProduct(a1, b1)
            let a2 = V(repeating: ap[2]); c20.addProduct(a2, b0); c21.addProduct(a2, b1)
            let a3 = V(repeating: ap[3]); c30.addProduct(a3, b0); c31.addProduct(a3, b1)
            let a4 = V(repeating: ap[4]); c40.addProduct(a4, b0); c41.addProduct(a4, b1)
            let a5 = V(repeating: ap[5]); c50.addProduct(a5, b0); c51.addProduct(a5, b1)
            ap += 6; bp += 2
        }
        let tile = (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
        withUnsafeBytes(of: tile) { store($0, c: c, ldc: ldc, rows: rows, columns: columns, accumulate: accumulate) }
    }
    #else
    static let nr = 8
    typealias PackedA = SIMD4<Float>
    @inline(__always) static func pack(_ value: Float) -> PackedA { PackedA(repeating: value) }

    @inline(__always)
    static func run(depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutablePointer<Float>, ldc: Int,
                    rows: Int, columns: Int, accumulate: Bool) {
        typealias V = SIMD4<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a.assumingMemoryBound(to: V.self)
        var bp = b.assumingMemoryBound(to: V.self)
        for _ in 0..<depth {
            // `+= a * b`, not `addProduct`: without FMA hardware that is a libm call.
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
        withUnsafeBytes(of: tile) { store($0, c: c, ldc: ldc, rows: rows, columns: columns, accumulate: accumulate) }
    }
    #endif

    /// Writes (or adds) the `rows × columns` valid part of a tile laid out as MR
    /// rows of NR floats into C.
    @inline(__always)
    private static func store(_ tile: UnsafeRawBufferPointer, c: UnsafeMutablePointer<Float>, ldc: Int,
                              rows: Int, columns: Int, accumulate: Bool) {
        typealias V = SIMD4<Float>
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
