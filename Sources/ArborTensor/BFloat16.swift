/// A bfloat16 value stored as its 16-bit pattern (the top half of a float32).
///
/// Swift has no native bfloat16, and most models ship in it, so this wrapper lets
/// you read and build bfloat16 tensors element by element; conversions round like
/// ml_dtypes (nearest even, NaN -> quiet NaN with its sign). Equality and hashing
/// compare bit patterns, which is what checkpoints need (`-0 != +0`, a NaN equals
/// the same NaN).
///
/// ```swift
/// let b = BFloat16(3.14159 as Float)   // 3.140625
/// Float(b)                             // 3.140625
/// ```
public struct BFloat16: Hashable, Sendable, BitwiseCopyable, TensorElement, CustomStringConvertible {
    /// The raw bits, as stored in a safetensors `BF16` tensor.
    public var bitPattern: UInt16

    /// Wraps raw bits without interpreting them.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds a float32 to the nearest bfloat16 (ties to even).
    public init(_ value: Float) { bitPattern = FloatBits.bfloat16(fromFloat: value.bitPattern) }

    /// Rounds a float64 through float32 to bfloat16, as ml_dtypes does.
    public init(_ value: Double) { bitPattern = FloatBits.bfloat16(fromFloat: FloatBits.float(fromDouble: value.bitPattern)) }

    /// The exact float32 value.
    public var floatValue: Float { Float(bitPattern: FloatBits.float(fromBFloat16: bitPattern)) }

    /// Whether the value is a NaN.
    public var isNaN: Bool { bitPattern & 0x7FFF > 0x7F80 }

    /// The `TensorElement` dtype.
    public static var dtype: DType { .bfloat16 }

    /// The float32 value, printed.
    public var description: String { floatValue.description }
}

extension Float {
    /// The exact value of a bfloat16.
    public init(_ value: BFloat16) { self = value.floatValue }
}
