/// The element loops behind `Tensor.converted(to:)`: one tight, specialised loop
/// per (source, target) pair, chosen once per tensor, never per element.
///
/// Semantics (numpy + ml_dtypes `astype`, except where numpy is undefined):
/// - float -> float: see `FloatBits` (round to nearest even, NaN and infinities
///   kept, E4M3FN overflow -> NaN). float64 -> bfloat16/float8 round through
///   float32 first and integers -> bfloat16/float16/float8 go through float32,
///   exactly as ml_dtypes does; float64 -> float16 rounds once, as numpy does.
/// - float -> integer: truncate toward zero; values beyond the integer's range
///   saturate to its minimum or maximum and NaN becomes 0. (numpy leaves these
///   cases to the C compiler, which gives platform-dependent values.)
/// - integer -> integer: wraps modulo 2^bits (two's complement), like numpy.
/// - integer -> float: rounds to nearest even.
/// - to bool: nonzero (including NaN) is `true`; from bool: 0 or 1.
enum DTypeConversion {
    /// Converts `count` elements. Both dtypes must be numeric (equal dtypes copy);
    /// the source must be aligned to its element size.
    static func convert(
        _ source: UnsafeRawPointer, from sourceType: DType,
        to target: UnsafeMutableRawPointer, as targetType: DType, count: Int
    ) {
        guard count > 0 else { return }
        if sourceType == targetType {
            target.copyMemory(from: source, byteCount: count * (sourceType.byteSize ?? 0))
            return
        }
        let s = source, t = target, n = count
        switch sourceType {
        case .float32: fromFloat(s, t, targetType, n) { (x: UInt32) in x }
        case .float16:
            if targetType == .float64 {
                loop(s, t, n) { (x: UInt16) -> UInt64 in FloatBits.double(fromHalf: x) }
            } else {
                fromFloat(s, t, targetType, n) { (x: UInt16) in FloatBits.float(fromHalf: x) }
            }
        case .bfloat16:
            if targetType == .float16 {
                // ml_dtypes goes through Eigen's half conversion: NaN -> quiet NaN.
                loop(s, t, n) { (x: UInt16) -> UInt16 in
                    x & 0x7FFF > 0x7F80 ? (x & 0x8000) | 0x7E00 : FloatBits.half(fromFloat: FloatBits.float(fromBFloat16: x))
                }
            } else {
                fromFloat(s, t, targetType, n) { (x: UInt16) in FloatBits.float(fromBFloat16: x) }
            }
        case .float8E4M3:
            let table = FloatBits.e4m3Table
            table.withUnsafeBufferPointer { lookup in
                fromFloat(s, t, targetType, n) { (x: UInt8) in lookup[Int(x)] }
            }
        case .float8E5M2:
            let table = FloatBits.e5m2Table
            table.withUnsafeBufferPointer { lookup in
                fromFloat(s, t, targetType, n) { (x: UInt8) in lookup[Int(x)] }
            }
        case .float64: fromDouble(s, t, targetType, n)
        case .bool: fromInteger(s, t, targetType, n) { (x: UInt8) -> UInt64 in x == 0 ? 0 : 1 }
        case .uint8: fromInteger(s, t, targetType, n) { (x: UInt8) in UInt64(x) }
        case .uint16: fromInteger(s, t, targetType, n) { (x: UInt16) in UInt64(x) }
        case .uint32: fromInteger(s, t, targetType, n) { (x: UInt32) in UInt64(x) }
        case .uint64: fromInteger(s, t, targetType, n) { (x: UInt64) in x }
        case .int8: fromInteger(s, t, targetType, n) { (x: Int8) in Int64(x) }
        case .int16: fromInteger(s, t, targetType, n) { (x: Int16) in Int64(x) }
        case .int32: fromInteger(s, t, targetType, n) { (x: Int32) in Int64(x) }
        case .int64: fromInteger(s, t, targetType, n) { (x: Int64) in x }
        case .float4E2M1, .float6E2M3, .float6E3M2, .float8E8M0, .float8E4M3FNUZ, .float8E5M2FNUZ, .complex64:
            preconditionFailure("DTypeConversion: \(sourceType) is not numeric")
        }
    }

    @inline(__always)
    private static func loop<S, D>(
        _ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer, _ count: Int, _ transform: (S) -> D
    ) {
        let s = source.assumingMemoryBound(to: S.self)
        let t = target.assumingMemoryBound(to: D.self)
        for i in 0..<count { t[i] = transform(s[i]) }
    }

    /// Sources whose values are all exact in float32: `decode` gives float32 bits.
    @inline(__always)
    private static func fromFloat<S>(
        _ s: UnsafeRawPointer, _ t: UnsafeMutableRawPointer, _ target: DType, _ n: Int,
        _ decode: (S) -> UInt32
    ) {
        switch target {
        case .float32: loop(s, t, n) { (x: S) -> UInt32 in decode(x) }
        case .float16: loop(s, t, n) { (x: S) -> UInt16 in FloatBits.half(fromFloat: decode(x)) }
        case .bfloat16: loop(s, t, n) { (x: S) -> UInt16 in FloatBits.bfloat16(fromFloat: decode(x)) }
        case .float8E4M3: loop(s, t, n) { (x: S) -> UInt8 in FloatBits.e4m3(fromFloat: decode(x)) }
        case .float8E5M2: loop(s, t, n) { (x: S) -> UInt8 in FloatBits.e5m2(fromFloat: decode(x)) }
        case .float64: loop(s, t, n) { (x: S) -> UInt64 in FloatBits.double(fromFloat: decode(x)) }
        case .bool: loop(s, t, n) { (x: S) -> UInt8 in decode(x) & 0x7FFF_FFFF == 0 ? 0 : 1 }
        default: toInteger(s, t, target, n) { (x: S) in Double(Float(bitPattern: decode(x))) }
        }
    }

    private static func fromDouble(_ s: UnsafeRawPointer, _ t: UnsafeMutableRawPointer, _ target: DType, _ n: Int) {
        switch target {
        case .float32: loop(s, t, n) { (x: UInt64) -> UInt32 in FloatBits.float(fromDouble: x) }
        case .float16: loop(s, t, n) { (x: UInt64) -> UInt16 in FloatBits.half(fromDouble: x) }
        case .bfloat16:
            loop(s, t, n) { (x: UInt64) -> UInt16 in FloatBits.bfloat16(fromFloat: FloatBits.float(fromDouble: x)) }
        case .float8E4M3:
            loop(s, t, n) { (x: UInt64) -> UInt8 in FloatBits.e4m3(fromFloat: FloatBits.float(fromDouble: x)) }
        case .float8E5M2:
            loop(s, t, n) { (x: UInt64) -> UInt8 in FloatBits.e5m2(fromFloat: FloatBits.float(fromDouble: x)) }
        case .bool: loop(s, t, n) { (x: UInt64) -> UInt8 in x & 0x7FFF_FFFF_FFFF_FFFF == 0 ? 0 : 1 }
        default: toInteger(s, t, target, n) { (x: UInt64) in Double(bitPattern: x) }
        }
    }

    /// Float sources to integer targets: truncate, saturate, NaN -> 0.
    @inline(__always)
    private static func toInteger<S>(
        _ s: UnsafeRawPointer, _ t: UnsafeMutableRawPointer, _ target: DType, _ n: Int, _ value: (S) -> Double
    ) {
        switch target {
        case .uint8: loop(s, t, n) { (x: S) -> UInt8 in saturating(value(x)) }
        case .uint16: loop(s, t, n) { (x: S) -> UInt16 in saturating(value(x)) }
        case .uint32: loop(s, t, n) { (x: S) -> UInt32 in saturating(value(x)) }
        case .uint64: loop(s, t, n) { (x: S) -> UInt64 in saturating(value(x)) }
        case .int8: loop(s, t, n) { (x: S) -> Int8 in saturating(value(x)) }
        case .int16: loop(s, t, n) { (x: S) -> Int16 in saturating(value(x)) }
        case .int32: loop(s, t, n) { (x: S) -> Int32 in saturating(value(x)) }
        case .int64: loop(s, t, n) { (x: S) -> Int64 in saturating(value(x)) }
        default: preconditionFailure("DTypeConversion: \(target) is not an integer dtype")
        }
    }

    /// `value` truncated toward zero and clamped to `I`'s range; NaN -> 0.
    @inline(__always)
    static func saturating<I: FixedWidthInteger>(_ value: Double) -> I {
        if value.isNaN { return 0 }
        // Double(I.min) is exact (0 or -2^(bits-1)); Double(I.max) may round up to
        // 2^bits, which is still the right threshold for "does not fit".
        if value <= Double(I.min) { return I.min }
        if value >= Double(I.max) { return I.max }
        return I(value)
    }

    /// Integer (and bool) sources: `widen` gives the value as Int64 or UInt64.
    @inline(__always)
    private static func fromInteger<S, V: FixedWidthInteger>(
        _ s: UnsafeRawPointer, _ t: UnsafeMutableRawPointer, _ target: DType, _ n: Int, _ widen: (S) -> V
    ) {
        switch target {
        case .float32: loop(s, t, n) { (x: S) -> Float in Float(widen(x)) }
        case .float64: loop(s, t, n) { (x: S) -> Double in Double(widen(x)) }
        case .float16: loop(s, t, n) { (x: S) -> UInt16 in FloatBits.half(fromFloat: Float(widen(x)).bitPattern) }
        case .bfloat16: loop(s, t, n) { (x: S) -> UInt16 in FloatBits.bfloat16(fromFloat: Float(widen(x)).bitPattern) }
        case .float8E4M3: loop(s, t, n) { (x: S) -> UInt8 in FloatBits.e4m3(fromFloat: Float(widen(x)).bitPattern) }
        case .float8E5M2: loop(s, t, n) { (x: S) -> UInt8 in FloatBits.e5m2(fromFloat: Float(widen(x)).bitPattern) }
        case .bool: loop(s, t, n) { (x: S) -> UInt8 in widen(x) == 0 ? 0 : 1 }
        case .uint8: loop(s, t, n) { (x: S) -> UInt8 in UInt8(truncatingIfNeeded: widen(x)) }
        case .uint16: loop(s, t, n) { (x: S) -> UInt16 in UInt16(truncatingIfNeeded: widen(x)) }
        case .uint32: loop(s, t, n) { (x: S) -> UInt32 in UInt32(truncatingIfNeeded: widen(x)) }
        case .uint64: loop(s, t, n) { (x: S) -> UInt64 in UInt64(truncatingIfNeeded: widen(x)) }
        case .int8: loop(s, t, n) { (x: S) -> Int8 in Int8(truncatingIfNeeded: widen(x)) }
        case .int16: loop(s, t, n) { (x: S) -> Int16 in Int16(truncatingIfNeeded: widen(x)) }
        case .int32: loop(s, t, n) { (x: S) -> Int32 in Int32(truncatingIfNeeded: widen(x)) }
        case .int64: loop(s, t, n) { (x: S) -> Int64 in Int64(truncatingIfNeeded: widen(x)) }
        default: preconditionFailure("DTypeConversion: \(target) is not numeric")
        }
    }
}
