import ArborTensor
import Testing

/// `DType(parsing:)`: the one reader of dtype names (rule files, `--dtype`, config.json).
@Suite struct DTypeParsingTests {
    @Test(arguments: [
        ("bf16", DType.bfloat16), ("BF16", .bfloat16), ("bfloat16", .bfloat16), ("torch.bfloat16", .bfloat16),
        ("f16", .float16), ("fp16", .float16), ("half", .float16), ("torch.float16", .float16),
        ("f32", .float32), ("F32", .float32), ("float32", .float32), ("Float32", .float32), ("float", .float32),
        ("f64", .float64), ("double", .float64), ("I64", .int64), ("torch.int64", .int64), ("long", .int64),
        ("int", .int32), ("u8", .uint8), ("bool", .bool), ("F8_E4M3", .float8E4M3), ("float8_e4m3fn", .float8E4M3),
        ("float8E5M2", .float8E5M2), ("c64", .complex64),
    ])
    func readsEverySpelling(name: String, expected: DType) {
        #expect(DType(parsing: name) == expected)
    }

    @Test(arguments: ["", "bf", "float128", "torch.", "int4", "f 32", "torch.torch.float32"])
    func refusesUnknownNames(name: String) {
        #expect(DType(parsing: name) == nil)
    }

    /// Each dtype reads back from its safetensors name, its own name and its PyTorch name.
    @Test func everyNameRoundTrips() {
        for dtype in DType.allCases {
            #expect(DType(parsing: dtype.safetensorsName) == dtype)
            #expect(DType(parsing: dtype.rawValue) == dtype)
            if let torch = dtype.pytorchName { #expect(DType(parsing: "torch." + torch) == dtype) }
        }
    }

    /// Integers get their own PyTorch names (never `float32`); PyTorch lacks the 6-bit floats.
    @Test func pytorchNames() {
        #expect(DType.int64.pytorchName == "int64")
        #expect(DType.uint8.pytorchName == "uint8")
        #expect(DType.bool.pytorchName == "bool")
        #expect(DType.bfloat16.pytorchName == "bfloat16")
        #expect(DType.float8E4M3.pytorchName == "float8_e4m3fn")
        #expect(DType.float6E2M3.pytorchName == nil)
    }
}
