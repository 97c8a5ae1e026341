/// The element type of a tensor: every dtype a safetensors file can hold.
///
/// The first fifteen cases are the classic safetensors dtypes and convert to and
/// from each other (see `Tensor.converted(to:)`). The newer, mostly sub-byte
/// formats (`float4E2M1`, the `float6` pair, `float8E8M0`, the `FNUZ` variants and
/// `complex64`) are carried as raw bytes: they can be read, inspected and written
/// back byte-exact, which is what a checkpoint or state-dict tool owes them.
public enum DType: String, CaseIterable, Codable, Sendable, Hashable {
    /// One byte per element, 0 or 1 (safetensors `BOOL`).
    case bool
    /// Unsigned and signed integers of 8 to 64 bits (`U8` … `I64`).
    case uint8, int8, uint16, int16, uint32, int32, uint64, int64
    /// 8-bit floats: OCP E4M3FN (no infinity) and E5M2 (`F8_E4M3`, `F8_E5M2`).
    case float8E4M3, float8E5M2
    /// IEEE half, bfloat16, single and double precision (`F16`, `BF16`, `F32`, `F64`).
    case float16, bfloat16, float32, float64
    // Raw-only formats.
    /// Sub-byte and scale formats, carried as raw bytes (`F4`, `F6_E2M3`, `F6_E3M2`, `F8_E8M0`).
    case float4E2M1, float6E2M3, float6E3M2, float8E8M0
    /// AMD's 8-bit floats with no negative zero, carried as raw bytes (`F8_E4M3FNUZ`, `F8_E5M2FNUZ`).
    case float8E4M3FNUZ, float8E5M2FNUZ
    /// Two float32s per element, carried as raw bytes (`C64`).
    case complex64

    /// The name used in safetensors headers (`"F32"`, `"BF16"`, ...).
    public var safetensorsName: String {
        switch self {
        case .bool: "BOOL"
        case .uint8: "U8"
        case .int8: "I8"
        case .uint16: "U16"
        case .int16: "I16"
        case .uint32: "U32"
        case .int32: "I32"
        case .uint64: "U64"
        case .int64: "I64"
        case .float8E4M3: "F8_E4M3"
        case .float8E5M2: "F8_E5M2"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .float32: "F32"
        case .float64: "F64"
        case .float4E2M1: "F4"
        case .float6E2M3: "F6_E2M3"
        case .float6E3M2: "F6_E3M2"
        case .float8E8M0: "F8_E8M0"
        case .float8E4M3FNUZ: "F8_E4M3FNUZ"
        case .float8E5M2FNUZ: "F8_E5M2FNUZ"
        case .complex64: "C64"
        }
    }

    /// Looks a dtype up by its safetensors name; `nil` for names Arbor does not know.
    public init?(safetensorsName name: String) {
        guard let match = DType.bySafetensorsName[name] else { return nil }
        self = match
    }

    private static let bySafetensorsName: [String: DType] = Dictionary(
        uniqueKeysWithValues: DType.allCases.map { ($0.safetensorsName, $0) })

    /// Bits per element. Sub-byte formats (4 and 6 bits) pack elements tightly, so a
    /// tensor of them is only valid when `count * bitWidth` is a multiple of 8.
    public var bitWidth: Int {
        switch self {
        case .float4E2M1: 4
        case .float6E2M3, .float6E3M2: 6
        case .bool, .uint8, .int8, .float8E4M3, .float8E5M2, .float8E8M0,
             .float8E4M3FNUZ, .float8E5M2FNUZ: 8
        case .uint16, .int16, .float16, .bfloat16: 16
        case .uint32, .int32, .float32: 32
        case .uint64, .int64, .float64, .complex64: 64
        }
    }

    /// Bytes per element for byte-aligned dtypes; `nil` for the sub-byte formats.
    public var byteSize: Int? { bitWidth % 8 == 0 ? bitWidth / 8 : nil }

    /// Whether Arbor can compute with this dtype (convert it, read its values).
    /// Raw-only dtypes are stored and copied byte-exact but not interpreted.
    public var isNumeric: Bool {
        switch self {
        case .float4E2M1, .float6E2M3, .float6E3M2, .float8E8M0,
             .float8E4M3FNUZ, .float8E5M2FNUZ, .complex64: false
        default: true
        }
    }

    /// Whether values are floating point (including the 8-bit floats).
    public var isFloatingPoint: Bool {
        switch self {
        case .float8E4M3, .float8E5M2, .float16, .bfloat16, .float32, .float64,
             .float4E2M1, .float6E2M3, .float6E3M2, .float8E8M0,
             .float8E4M3FNUZ, .float8E5M2FNUZ: true
        default: false
        }
    }

    /// Whether values are signed or unsigned integers (not `bool`).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64: true
        default: false
        }
    }

    /// Bytes needed for `count` elements, or `nil` when the count does not fill
    /// whole bytes (sub-byte dtypes) or the product overflows.
    public func byteCount(forElements count: Int) -> Int? {
        guard count >= 0 else { return nil }
        let (bits, overflow) = count.multipliedReportingOverflow(by: bitWidth)
        guard !overflow, bits % 8 == 0 else { return nil }
        return bits / 8
    }
}

extension DType: CustomStringConvertible {
    /// The safetensors name, which is what users see in files and tables.
    public var description: String { safetensorsName }
}
