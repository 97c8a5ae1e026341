/// Bit-level encoders and decoders between IEEE float32/float64 and the narrow
/// float formats (float16, bfloat16, float8 E4M3FN, float8 E5M2).
///
/// Everything works on bit patterns with integer arithmetic, so results are the
/// same on every CPU and do not depend on whether the hardware has F16C or on
/// how a platform's runtime quiets NaNs. Each rule reproduces what numpy and
/// ml_dtypes `astype` produce (checked against `Tests/Fixtures/dtypes`):
///
/// - Rounding is to nearest, ties to even, everywhere.
/// - float32/float64 -> float16 follows numpy: overflow gives infinity and a NaN
///   keeps the top ten payload bits (a payload that would vanish becomes 1).
/// - -> bfloat16 and -> float8 follow ml_dtypes: a NaN becomes the format's
///   quiet NaN with the sign kept. E4M3FN has no infinity: overflow and ±inf
///   become NaN (not saturation), as ml_dtypes does.
/// - float16 -> float32/float64 is exact and keeps NaN payloads unquieted
///   (numpy); float32 <-> float64 quiets NaNs and keeps payload bits, like the
///   hardware conversion numpy uses.
enum FloatBits {
    // MARK: Rounding

    /// `value >> shift`, rounded to nearest with ties to even. `shift` is 1...63.
    @inline(__always)
    static func shiftRoundingToEven(_ value: UInt64, by shift: UInt64) -> UInt64 {
        let half = UInt64(1) << (shift &- 1)
        let odd = (value >> shift) & 1
        return (value &+ (half &- 1) &+ odd) >> shift
    }

    /// 32-bit version of `shiftRoundingToEven`; no overflow for `value < 2^31 + 2^30`.
    @inline(__always)
    static func shiftRoundingToEven32(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let half = UInt32(1) << (shift &- 1)
        let odd = (value >> shift) & 1
        return (value &+ (half &- 1) &+ odd) >> shift
    }

    // MARK: float16

    /// float32 bits -> float16 bits (numpy `npy_floatbits_to_halfbits`).
    @inline(__always)
    static func half(fromFloat f: UInt32) -> UInt16 {
        let sign = UInt16(truncatingIfNeeded: (f >> 16) & 0x8000)
        let a = f & 0x7FFF_FFFF
        if a >= 0x4780_0000 {  // 2^16 or more: infinity, NaN or overflow
            guard a > 0x7F80_0000 else { return sign | 0x7C00 }
            let nan = UInt16(truncatingIfNeeded: 0x7C00 + ((a & 0x007F_FFFF) >> 13))
            return sign | (nan == 0x7C00 ? 0x7C01 : nan)
        }
        if a >= 0x3880_0000 {  // normal result (may round up to infinity)
            return sign | UInt16(truncatingIfNeeded: shiftRoundingToEven32(a &- 0x3800_0000, by: 13))
        }
        if a <= 0x3300_0000 { return sign }  // at most half the smallest subnormal
        let mantissa = (a & 0x007F_FFFF) | 0x0080_0000
        return sign | UInt16(truncatingIfNeeded: shiftRoundingToEven32(mantissa, by: 126 - (a >> 23)))
    }

    /// float64 bits -> float16 bits, rounded once (numpy `npy_doublebits_to_halfbits`).
    @inline(__always)
    static func half(fromDouble d: UInt64) -> UInt16 {
        let sign = UInt16(truncatingIfNeeded: (d >> 48) & 0x8000)
        let a = d & 0x7FFF_FFFF_FFFF_FFFF
        if a >= 0x40F0_0000_0000_0000 {  // 2^16 or more
            guard a > 0x7FF0_0000_0000_0000 else { return sign | 0x7C00 }
            let nan = UInt16(truncatingIfNeeded: 0x7C00 + ((a & 0x000F_FFFF_FFFF_FFFF) >> 42))
            return sign | (nan == 0x7C00 ? 0x7C01 : nan)
        }
        if a >= 0x3F10_0000_0000_0000 {
            return sign | UInt16(truncatingIfNeeded: shiftRoundingToEven(a &- 0x3F00_0000_0000_0000, by: 42))
        }
        if a <= 0x3E60_0000_0000_0000 { return sign }
        let mantissa = (a & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000
        return sign | UInt16(truncatingIfNeeded: shiftRoundingToEven(mantissa, by: 1051 - (a >> 52)))
    }

    /// float16 bits -> float32 bits, exact; NaN payloads shift up unquieted.
    @inline(__always)
    static func float(fromHalf h: UInt16) -> UInt32 {
        // Branch-free (all three candidates, then select) so the loop vectorizes.
        let sign = UInt32(h & 0x8000) << 16
        let a = UInt32(h & 0x7FFF)
        let special = 0x7F80_0000 | ((a & 0x03FF) << 13)
        let normal = (a << 13) &+ 0x3800_0000
        let subnormal = (Float(Int32(bitPattern: a)) * 0x1p-24).bitPattern  // zero or subnormal: exact
        return sign | (a >= 0x7C00 ? special : (a >= 0x0400 ? normal : subnormal))
    }

    /// float16 bits -> float64 bits, exact; NaN payloads shift up unquieted (numpy).
    @inline(__always)
    static func double(fromHalf h: UInt16) -> UInt64 {
        let sign = UInt64(h & 0x8000) << 48
        let a = UInt64(h & 0x7FFF)
        if a >= 0x7C00 { return sign | 0x7FF0_0000_0000_0000 | ((a & 0x03FF) << 42) }
        if a >= 0x0400 { return sign | ((a << 42) &+ 0x3F00_0000_0000_0000) }
        return sign | (Double(a) * 0x1p-24).bitPattern
    }

    // MARK: bfloat16

    /// float32 bits -> bfloat16 bits (ml_dtypes): NaN -> quiet NaN with its sign.
    @inline(__always)
    static func bfloat16(fromFloat f: UInt32) -> UInt16 {
        let rounded = UInt16(truncatingIfNeeded: (f &+ 0x7FFF &+ ((f >> 16) & 1)) >> 16)
        let quietNaN = UInt16(truncatingIfNeeded: f >> 16) & 0x8000 | 0x7FC0
        return (f & 0x7FFF_FFFF) > 0x7F80_0000 ? quietNaN : rounded
    }

    /// bfloat16 bits -> float32 bits, exact.
    @inline(__always)
    static func float(fromBFloat16 b: UInt16) -> UInt32 { UInt32(b) << 16 }

    // MARK: float32 <-> float64

    /// float32 bits -> float64 bits: exact; a NaN is quieted and keeps its payload.
    @inline(__always)
    static func double(fromFloat f: UInt32) -> UInt64 {
        let nan = UInt64(f & 0x8000_0000) << 32 | 0x7FF8_0000_0000_0000 | UInt64(f & 0x007F_FFFF) << 29
        let value = Double(Float(bitPattern: f)).bitPattern
        return f & 0x7FFF_FFFF > 0x7F80_0000 ? nan : value
    }

    /// float64 bits -> float32 bits, rounded to nearest even; a NaN is quieted and
    /// keeps the top payload bits.
    @inline(__always)
    static func float(fromDouble d: UInt64) -> UInt32 {
        if d & 0x7FFF_FFFF_FFFF_FFFF > 0x7FF0_0000_0000_0000 {
            return UInt32(truncatingIfNeeded: (d >> 32) & 0x8000_0000) | 0x7FC0_0000
                | UInt32(truncatingIfNeeded: (d & 0x000F_FFFF_FFFF_FFFF) >> 29)
        }
        return Float(Double(bitPattern: d)).bitPattern
    }

    // MARK: float8

    /// float32 bits -> float8 E4M3FN bits (ml_dtypes): no infinity, so overflow,
    /// ±inf and NaN all give NaN (0x7F) with the input's sign.
    @inline(__always)
    static func e4m3(fromFloat f: UInt32) -> UInt8 {
        let sign = UInt8(truncatingIfNeeded: (f >> 24) & 0x80)
        let a = f & 0x7FFF_FFFF
        if a >= 0x4400_0000 { return sign | 0x7F }  // 512 or more, inf, NaN
        if a >= 0x3C80_0000 {  // 2^-6: normal result
            let r = shiftRoundingToEven32(a &- 0x3C00_0000, by: 20)
            return sign | UInt8(truncatingIfNeeded: Swift.min(r, 0x7F))
        }
        let exponent = a >> 23
        if exponent < 117 { return sign }  // below 2^-10: rounds to zero
        let mantissa = (a & 0x007F_FFFF) | 0x0080_0000
        return sign | UInt8(truncatingIfNeeded: shiftRoundingToEven32(mantissa, by: 141 - exponent))
    }

    /// float32 bits -> float8 E5M2 bits (ml_dtypes): overflow gives infinity,
    /// NaN gives the quiet NaN 0x7E with its sign.
    @inline(__always)
    static func e5m2(fromFloat f: UInt32) -> UInt8 {
        let sign = UInt8(truncatingIfNeeded: (f >> 24) & 0x80)
        let a = f & 0x7FFF_FFFF
        if a > 0x7F80_0000 { return sign | 0x7E }
        if a >= 0x4780_0000 { return sign | 0x7C }  // 2^16 or more, inf
        if a >= 0x3880_0000 {  // 2^-14: normal result
            let r = shiftRoundingToEven32(a &- 0x3800_0000, by: 21)
            return sign | UInt8(truncatingIfNeeded: Swift.min(r, 0x7C))
        }
        let exponent = a >> 23
        if exponent < 110 { return sign }  // below 2^-17: rounds to zero
        let mantissa = (a & 0x007F_FFFF) | 0x0080_0000
        return sign | UInt8(truncatingIfNeeded: shiftRoundingToEven32(mantissa, by: 134 - exponent))
    }

    /// float8 E4M3FN bits -> float32 bits (exact; NaN -> quiet NaN with sign).
    @inline(__always)
    static func float(fromE4M3 b: UInt8) -> UInt32 { e4m3Table[Int(b)] }

    /// float8 E5M2 bits -> float32 bits (exact; NaN -> quiet NaN with sign).
    @inline(__always)
    static func float(fromE5M2 b: UInt8) -> UInt32 { e5m2Table[Int(b)] }

    static let e4m3Table: [UInt32] = (0..<256).map { bits in
        let negative = bits & 0x80 != 0, exponent = (bits >> 3) & 0xF, mantissa = bits & 0x7
        if exponent == 0xF && mantissa == 0x7 { return (negative ? 0x8000_0000 : 0) | 0x7FC0_0000 }
        let magnitude = exponent == 0
            ? Float(mantissa) * 0x1p-9
            : Float(8 + mantissa) * Float(sign: .plus, exponent: exponent - 10, significand: 1)
        return (negative ? -magnitude : magnitude).bitPattern
    }

    static let e5m2Table: [UInt32] = (0..<256).map { bits in
        let negative = bits & 0x80 != 0, exponent = (bits >> 2) & 0x1F, mantissa = bits & 0x3
        let sign: UInt32 = negative ? 0x8000_0000 : 0
        if exponent == 0x1F { return sign | (mantissa == 0 ? 0x7F80_0000 : 0x7FC0_0000) }
        let magnitude = exponent == 0
            ? Float(mantissa) * 0x1p-16
            : Float(4 + mantissa) * Float(sign: .plus, exponent: exponent - 17, significand: 1)
        return sign | magnitude.bitPattern
    }
}
