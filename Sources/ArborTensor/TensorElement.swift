/// A Swift scalar type that is the in-memory form of one `DType`.
///
/// Typed access (`Tensor(_:shape:)`, `scalars(as:)`, `withUnsafeBufferPointer(as:)`)
/// is limited to these types so that a buffer is never read as the wrong type.
/// `bfloat16` and the 8-bit floats use the bit-pattern types `BFloat16`,
/// `Float8E4M3` and `Float8E5M2`.
public protocol TensorElement: Sendable, BitwiseCopyable {
    /// The dtype whose elements have this memory layout.
    static var dtype: DType { get }
}

extension Bool: TensorElement { public static var dtype: DType { .bool } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension Int8: TensorElement { public static var dtype: DType { .int8 } }
extension UInt16: TensorElement { public static var dtype: DType { .uint16 } }
extension Int16: TensorElement { public static var dtype: DType { .int16 } }
extension UInt32: TensorElement { public static var dtype: DType { .uint32 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension UInt64: TensorElement { public static var dtype: DType { .uint64 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
extension Float16: TensorElement { public static var dtype: DType { .float16 } }
#endif
extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
