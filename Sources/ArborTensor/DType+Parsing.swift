/// Dtype names as people and files write them: one parser for rule files,
/// `arbor convert --dtype` and `config.json`, and one table of PyTorch names.
extension DType {
    /// The name PyTorch gives this dtype (`torch.bfloat16` → `"bfloat16"`,
    /// `torch.int64` → `"int64"`), as `config.json` writes it in `dtype` /
    /// `torch_dtype`; `nil` for the formats PyTorch has no dtype for (the
    /// 6-bit floats and the packed 4-bit float).
    public var pytorchName: String? {
        switch self {
        case .bool: "bool"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float8E4M3: "float8_e4m3fn"
        case .float8E5M2: "float8_e5m2"
        case .float16: "float16"
        case .bfloat16: "bfloat16"
        case .float32: "float32"
        case .float64: "float64"
        case .float8E8M0: "float8_e8m0fnu"
        case .float8E4M3FNUZ: "float8_e4m3fnuz"
        case .float8E5M2FNUZ: "float8_e5m2fnuz"
        case .complex64: "complex64"
        case .float4E2M1, .float6E2M3, .float6E3M2: nil
        }
    }

    /// Reads a dtype name in any of the spellings Arbor meets, ignoring case:
    ///
    /// - safetensors names: `BF16`, `F32`, `I64`, `F8_E4M3` (so `bf16`, `f32` too);
    /// - Arbor's own names (`rawValue`): `bfloat16`, `float32`, `float8E4M3`;
    /// - PyTorch names, with or without `torch.`: `torch.float16`, `int64`,
    ///   `float8_e4m3fn`, and the aliases `half`, `float`, `double`, `long`,
    ///   `int`, `short`, `cfloat`;
    /// - the short forms `fp16`, `fp32`, `fp64`.
    ///
    /// Returns `nil` for anything else, so each caller can say which option
    /// or rule held the bad name.
    ///
    /// ```swift
    /// DType(parsing: "bf16")           // .bfloat16
    /// DType(parsing: "torch.float32")  // .float32
    /// DType(parsing: "F8_E4M3")        // .float8E4M3
    /// ```
    public init?(parsing name: String) {
        var key = name.lowercased()
        if key.hasPrefix("torch.") { key.removeFirst("torch.".count) }
        guard let match = DType.byLowercasedName[key] else { return nil }
        self = match
    }

    /// Every accepted spelling, lowercased. Built once; the spellings of two
    /// dtypes never collide (a test checks each dtype parses back from each name).
    private static let byLowercasedName: [String: DType] = {
        var table: [String: DType] = [
            "fp16": .float16, "half": .float16,
            "fp32": .float32, "float": .float32,
            "fp64": .float64, "double": .float64,
            "long": .int64, "int": .int32, "short": .int16, "cfloat": .complex64,
        ]
        for dtype in DType.allCases {
            table[dtype.safetensorsName.lowercased()] = dtype
            table[dtype.rawValue.lowercased()] = dtype
            if let torch = dtype.pytorchName { table[torch] = dtype }
        }
        return table
    }()
}
