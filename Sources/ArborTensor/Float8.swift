/// An 8-bit float with 4 exponent and 3 mantissa bits, no infinity, one NaN per
/// sign (0x7F/0xFF): the OCP "E4M3FN" format, ml_dtypes `float8_e4m3fn`,
/// safetensors `F8_E4M3`. Largest finite value 448.
///
/// Converting a float rounds to nearest even; because there is no infinity,
/// overflow and ±inf become NaN (ml_dtypes does not saturate). Equality and
/// hashing compare bit patterns.
public struct Float8E4M3: Hashable, Sendable, BitwiseCopyable, TensorElement, CustomStringConvertible {
    /// The raw bits.
    public var bitPattern: UInt8

    /// Wraps raw bits without interpreting them.
    public init(bitPattern: UInt8) { self.bitPattern = bitPattern }

    /// Rounds a float32 to the nearest E4M3FN value; overflow becomes NaN.
    public init(_ value: Float) { bitPattern = FloatBits.e4m3(fromFloat: value.bitPattern) }

    /// Rounds a float64 through float32, as ml_dtypes does.
    public init(_ value: Double) { bitPattern = FloatBits.e4m3(fromFloat: FloatBits.float(fromDouble: value.bitPattern)) }

    /// The exact float32 value.
    public var floatValue: Float { Float(bitPattern: FloatBits.float(fromE4M3: bitPattern)) }

    /// Whether the value is the NaN pattern.
    public var isNaN: Bool { bitPattern & 0x7F == 0x7F }

    /// The `TensorElement` dtype.
    public static var dtype: DType { .float8E4M3 }

    /// The float32 value, printed.
    public var description: String { floatValue.description }
}

/// An 8-bit float with 5 exponent and 2 mantissa bits and IEEE-style infinities
/// and NaNs: ml_dtypes `float8_e5m2`, safetensors `F8_E5M2`. Largest finite value
/// 57344; overflow rounds to infinity. Equality and hashing compare bit patterns.
public struct Float8E5M2: Hashable, Sendable, BitwiseCopyable, TensorElement, CustomStringConvertible {
    /// The raw bits.
    public var bitPattern: UInt8

    /// Wraps raw bits without interpreting them.
    public init(bitPattern: UInt8) { self.bitPattern = bitPattern }

    /// Rounds a float32 to the nearest E5M2 value; overflow becomes infinity.
    public init(_ value: Float) { bitPattern = FloatBits.e5m2(fromFloat: value.bitPattern) }

    /// Rounds a float64 through float32, as ml_dtypes does.
    public init(_ value: Double) { bitPattern = FloatBits.e5m2(fromFloat: FloatBits.float(fromDouble: value.bitPattern)) }

    /// The exact float32 value.
    public var floatValue: Float { Float(bitPattern: FloatBits.float(fromE5M2: bitPattern)) }

    /// Whether the value is a NaN.
    public var isNaN: Bool { bitPattern & 0x7F > 0x7C }

    /// The `TensorElement` dtype.
    public static var dtype: DType { .float8E5M2 }

    /// The float32 value, printed.
    public var description: String { floatValue.description }
}

extension Float {
    /// The exact value of an E4M3FN float8.
    public init(_ value: Float8E4M3) { self = value.floatValue }

    /// The exact value of an E5M2 float8.
    public init(_ value: Float8E5M2) { self = value.floatValue }
}
