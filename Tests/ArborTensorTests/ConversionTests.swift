import ArborTensor
import ArborTestSupport
import Foundation
import Testing

@Suite("Tensor.converted(to:)")
struct ConversionTests {
    @Test("converting to the same dtype shares storage")
    func sameDTypeIsNoOp() throws {
        let t = Tensor([1, 2, 3] as [Float])
        let same = try t.converted(to: .float32)
        #expect(same.sharesStorage(with: t))
        #expect(try !t.converted(to: .float64).sharesStorage(with: t))
    }

    @Test("raw-only dtypes throw unsupportedDType in both directions", arguments: DType.allCases.filter { !$0.isNumeric })
    func rawOnlyThrows(_ raw: DType) throws {
        let bytes = [UInt8](repeating: 0, count: 24)
        let count = 24 * 8 / raw.bitWidth
        let t = try bytes.withUnsafeBytes { try Tensor(shape: [count], dtype: raw, copying: $0) }
        #expect(throws: TensorError.unsupportedDType(raw, operation: "conversion to F32")) { try t.converted(to: .float32) }
        #expect(throws: TensorError.unsupportedDType(raw, operation: "conversion from F32")) {
            try Tensor([1] as [Float]).converted(to: raw)
        }
        #expect(try t.converted(to: raw) == t)  // same dtype: allowed, shares storage
    }

    @Test("an abstract tensor converts to an abstract tensor")
    func abstractStaysAbstract() throws {
        let t = try Tensor.abstract(shape: [3, 4], dtype: .bfloat16).converted(to: .float32)
        #expect(t.isAbstract && t.dtype == .float32 && t.shape == [3, 4] && t.byteCount == 48)
    }

    @Test("scalars and zero-size tensors convert")
    func edgeShapes() throws {
        let scalar = try Tensor(scalar: Float(2.5)).converted(to: .bfloat16)
        #expect(scalar.shape == [] && scalar.scalars(as: BFloat16.self) == [BFloat16(2.5 as Float)])
        let empty = try Tensor(zeros: [0, 7], dtype: .float16).converted(to: .int64)
        #expect(empty.shape == [0, 7] && empty.byteCount == 0)
    }

    @Test("float -> integer truncates, saturates and maps NaN to 0")
    func floatToIntegerRule() throws {
        let t = Tensor([-1.9, -0.5, 0.5, 1.9, 200, -200, 1e30, -1e30, .infinity, -.infinity, .nan] as [Double])
        #expect(try t.converted(to: .int8).scalars(as: Int8.self) == [-1, 0, 0, 1, 127, -128, 127, -128, 127, -128, 0])
        #expect(try t.converted(to: .uint8).scalars(as: UInt8.self) == [0, 0, 0, 1, 200, 0, 255, 0, 255, 0, 0])
        #expect(try t.converted(to: .int64).scalars(as: Int64.self)
            == [-1, 0, 0, 1, 200, -200, .max, .min, .max, .min, 0])
        #expect(try t.converted(to: .uint64).scalars(as: UInt64.self) == [0, 0, 0, 1, 200, 0, .max, 0, .max, 0, 0])
        let f32 = try t.converted(to: .float32)
        #expect(try f32.converted(to: .int32).scalars(as: Int32.self)
            == [-1, 0, 0, 1, 200, -200, .max, .min, .max, .min, 0])
    }

    @Test("integer -> integer wraps like numpy; anything -> bool is nonzero")
    func integerWrapAndBool() throws {
        let t = Tensor([-1, 256, 300, 0] as [Int32])
        #expect(try t.converted(to: .uint8).scalars(as: UInt8.self) == [255, 0, 44, 0])
        #expect(try t.converted(to: .bool).scalars(as: Bool.self) == [true, true, true, false])
        let f = Tensor([0, -0.0, .nan, Float(bitPattern: 1)])
        #expect(try f.converted(to: .bool).scalars(as: Bool.self) == [false, false, true, true])
        #expect(try Tensor([true, false]).converted(to: .bfloat16).scalars(as: BFloat16.self)
            == [BFloat16(bitPattern: 0x3F80), BFloat16(bitPattern: 0)])
    }

    @Test("f32 -> f16 -> f32 and f32 -> bf16 -> f32 are exact for values already representable")
    func roundTrips() throws {
        let halves = Tensor((0...UInt16.max).map { $0 }, shape: [65536])
        let asF16 = try halves.withUnsafeBytes { try Tensor(shape: [65536], dtype: .float16, copying: $0) }
        let back = try asF16.converted(to: .float32).converted(to: .float16)
        #expect(back == asF16)  // every pattern, NaN payloads included
        let asBF16 = try halves.withUnsafeBytes { try Tensor(shape: [65536], dtype: .bfloat16, copying: $0) }
        let bfBack = try asBF16.converted(to: .float32).converted(to: .bfloat16)
        let changed = zip(bfBack.scalars(as: BFloat16.self), asBF16.scalars(as: BFloat16.self)).filter { $0 != $1 }
        // Only NaNs change: ml_dtypes makes every NaN the quiet NaN 0x7FC0 (sign kept).
        #expect(changed.allSatisfy { $0.isNaN && $0.bitPattern & 0x7FFF == 0x7FC0 && $1.isNaN })
        #expect(changed.count == 2 * 127 - 2)
    }

    @Test("mapped tensors at unaligned offsets convert correctly")
    func unalignedMappedSource() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("values.bin")
        var bytes: [UInt8] = [0xAA]  // one byte of padding puts the floats at offset 1
        let values: [Float] = [1.5, -2.25, 65504, 1e-8, .infinity]
        values.withUnsafeBytes { bytes += $0 }
        try Data(bytes).write(to: url)
        let file = try MappedFile(url: url)
        let t = try Tensor(shape: [5], dtype: .float32, mapping: 1..<21, of: file)
        #expect(t.isMemoryMapped)
        let half = try t.converted(to: .float16)
        #expect(try half.floatValues() == [1.5, -2.25, 65504, 0, .infinity])  // 1e-8 underflows f16
        #expect(try t.doubleValues() == values.map(Double.init))
    }

    @Test("float64 -> float16 rounds once; float64 -> bfloat16 rounds through float32 like ml_dtypes")
    func doubleRounding() throws {
        let x = 1 + 0x1p-11 + 0x1p-40  // just above a float16 tie; float32 would drop the 2^-40
        #expect(try Tensor([x]).converted(to: .float16).withUnsafeBytes { $0.load(as: UInt16.self) } == 0x3C01)
        let y = 1 + 0x1p-8 + 0x1p-30  // just above a bfloat16 tie; ml_dtypes rounds to float32 first
        #expect(try Tensor([y]).converted(to: .bfloat16).scalars(as: BFloat16.self) == [BFloat16(bitPattern: 0x3F80)])
    }
}
