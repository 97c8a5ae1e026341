extension Tensor {
    /// Uniform random numbers in `[low, high)` drawn from `key`'s stream.
    ///
    /// Bits to values: float32 (and the narrower floats, which are drawn as float32
    /// and then rounded) use the top 24 bits of one 32-bit word, `u = w >> 8 / 2^24`;
    /// float64 uses 53 bits of two words. The value `low + (high - low) * u` is
    /// computed in float64 and rounded once to `dtype`, so rounding can reach
    /// `high` in a narrow dtype, as in numpy. Element `i` comes from block `i / 4`
    /// (`i / 2` for float64), so the first values of a longer draw equal a shorter
    /// draw's.
    ///
    /// - Throws: `.invalidArgument` for a non-float dtype or non-finite bounds,
    ///   `.negativeDimension`/`.sizeOverflow` for a bad shape.
    public static func randomUniform(
        shape: [Int], low: Double = 0, high: Double = 1, key: RandomKey, dtype: DType = .float32
    ) throws(TensorError) -> Tensor {
        try checkRandomDType(dtype, "randomUniform")
        guard low.isFinite, high.isFinite else {
            throw .invalidArgument(operation: "randomUniform", reason: "bounds \(low), \(high) must be finite")
        }
        let scale = high - low
        if dtype == .float64 {
            return try generate(shape: shape, key: key, as: Double.self, perBlock: 2) { w0, w1, w2, w3, out in
                out(0, low + scale * unit53(w0, w1))
                out(1, low + scale * unit53(w2, w3))
            }
        }
        let values = try generate(shape: shape, key: key, as: Float.self, perBlock: 4) { w0, w1, w2, w3, out in
            out(0, Float(low + scale * unit24(w0)))
            out(1, Float(low + scale * unit24(w1)))
            out(2, Float(low + scale * unit24(w2)))
            out(3, Float(low + scale * unit24(w3)))
        }
        return try values.converted(to: dtype)
    }

    /// Normal random numbers with `mean` and standard deviation `std`, by the
    /// Box–Muller transform: each pair of uniforms `(u1, u2)` gives
    /// `r·cos(2πu2)` and `r·sin(2πu2)` with `r = sqrt(-2 ln u1)`.
    ///
    /// `ln`, `sin` and `cos` are Arbor's own (`DeterministicMath`), built from
    /// IEEE basic operations only, so the bits are identical on every platform
    /// (a libm's last-bit differences would break that). For float32 and
    /// narrower, `u1 = (w + 0.5) / 2^32` and `u2 = w' / 2^32` from two 32-bit words
    /// (so |z| < 6.7); float64 uses 53-bit uniforms from two words each (|z| < 8.6).
    /// The sample is computed in float64 and rounded once to `dtype`.
    ///
    /// - Throws: as `randomUniform`, and `.invalidArgument` for a negative or
    ///   non-finite `std`.
    public static func randomNormal(
        shape: [Int], mean: Double = 0, std: Double = 1, key: RandomKey, dtype: DType = .float32
    ) throws(TensorError) -> Tensor {
        try checkRandomDType(dtype, "randomNormal")
        guard mean.isFinite, std.isFinite, std >= 0 else {
            throw .invalidArgument(operation: "randomNormal", reason: "mean \(mean), std \(std): need finite values and std >= 0")
        }
        if dtype == .float64 {
            return try generate(shape: shape, key: key, as: Double.self, perBlock: 2) { w0, w1, w2, w3, out in
                let (z0, z1) = boxMuller(unit53(w0, w1) + 0x1p-54, unit53(w2, w3))
                out(0, mean + std * z0)
                out(1, mean + std * z1)
            }
        }
        let values = try generate(shape: shape, key: key, as: Float.self, perBlock: 4) { w0, w1, w2, w3, out in
            let (z0, z1) = boxMuller((Double(w0) + 0.5) * 0x1p-32, Double(w1) * 0x1p-32)
            let (z2, z3) = boxMuller((Double(w2) + 0.5) * 0x1p-32, Double(w3) * 0x1p-32)
            out(0, Float(mean + std * z0))
            out(1, Float(mean + std * z1))
            out(2, Float(mean + std * z2))
            out(3, Float(mean + std * z3))
        }
        return try values.converted(to: dtype)
    }

    /// A bool tensor whose elements are `true` with probability `p`: element `i`
    /// is `w < p · 2^32` for the 32-bit word `w` at position `i` of `key`'s
    /// stream (so `p` is honoured to 2^-32; `p = 1` is always true, `p = 0` never).
    ///
    /// - Throws: `.invalidArgument` unless `0 <= p <= 1`.
    public static func bernoulli(p: Double, shape: [Int], key: RandomKey) throws(TensorError) -> Tensor {
        guard p >= 0, p <= 1 else {
            throw .invalidArgument(operation: "bernoulli", reason: "probability \(p) is not in [0, 1]")
        }
        let threshold = p * 0x1p32
        return try generate(shape: shape, key: key, as: Bool.self, perBlock: 4) { w0, w1, w2, w3, out in
            out(0, Double(w0) < threshold)
            out(1, Double(w1) < threshold)
            out(2, Double(w2) < threshold)
            out(3, Double(w3) < threshold)
        }
    }

    // MARK: - Generation core

    private static func checkRandomDType(_ dtype: DType, _ operation: String) throws(TensorError) {
        switch dtype {
        case .float8E4M3, .float8E5M2, .float16, .bfloat16, .float32, .float64: return
        default: throw .invalidArgument(operation: operation, reason: "dtype \(dtype) is not a float dtype Arbor samples")
        }
    }

    @inline(__always)
    private static func unit24(_ w: UInt32) -> Double { Double(w >> 8) * 0x1p-24 }

    @inline(__always)
    private static func unit53(_ high: UInt32, _ low: UInt32) -> Double {
        Double((UInt64(high) << 32 | UInt64(low)) >> 11) * 0x1p-53
    }

    @inline(__always)
    private static func boxMuller(_ u1: Double, _ u2: Double) -> (Double, Double) {
        let radius = (-2 * DeterministicMath.log(u1)).squareRoot()
        let (sine, cosine) = DeterministicMath.sinCosOfTurns(u2)
        return (radius * cosine, radius * sine)
    }

    /// Fills a new tensor from consecutive Philox blocks of `key`'s stream; `body`
    /// turns one block into `perBlock` values, handing each to `out(slot, value)`.
    @inline(__always)
    private static func generate<T: TensorElement>(
        shape: [Int], key: RandomKey, as type: T.Type, perBlock: Int,
        _ body: (UInt32, UInt32, UInt32, UInt32, (Int, T) -> Void) -> Void
    ) throws(TensorError) -> Tensor {
        let bytes = try checkedByteCount(shape: shape, dtype: T.dtype, operation: "random")
        let storage = TensorStorage(allocating: bytes, zeroed: false)
        let count = bytes / MemoryLayout<T>.stride
        if count > 0, let base = storage.baseAddress {
            let out = base.bindMemory(to: T.self, capacity: count)
            let (k0, k1) = (key.key0, key.key1)
            let fullBlocks = count / perBlock
            for block in 0..<fullBlocks {
                let index = UInt64(block)
                let r = Philox4x32.block(UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), 0, 0, k0, k1)
                let start = block * perBlock
                body(r.0, r.1, r.2, r.3) { slot, value in out[start + slot] = value }
            }
            let remainder = count - fullBlocks * perBlock
            if remainder > 0 {
                let index = UInt64(fullBlocks)
                let r = Philox4x32.block(UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), 0, 0, k0, k1)
                let start = fullBlocks * perBlock
                body(r.0, r.1, r.2, r.3) { slot, value in if slot < remainder { out[start + slot] = value } }
            }
        }
        return Tensor(shape: shape, dtype: T.dtype, storage: storage)
    }
}
