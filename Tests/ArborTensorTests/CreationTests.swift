import ArborTensor
import Testing

@Suite("Creation: ones, full, arange, from [Double]")
struct CreationTests {
    @Test("ones and full in every numeric dtype", arguments: DType.allCases.filter(\.isNumeric))
    func onesAndFull(_ dtype: DType) throws {
        let one = try Tensor.ones([2, 3], dtype: dtype)
        #expect(one.shape == [2, 3] && one.dtype == dtype)
        #expect(try one.doubleValues() == Array(repeating: 1, count: 6))
        let filled = try Tensor.full(dtype == .bool ? 1 : 5, shape: [17], dtype: dtype)
        #expect(try filled.doubleValues() == Array(repeating: dtype == .bool ? 1 : 5, count: 17))
        #expect(try Tensor.full(1, shape: [0], dtype: dtype).byteCount == 0)
        #expect(try Tensor.full(2, shape: [], dtype: dtype).elementCount == 1)
    }

    @Test("full converts the value like converted(to:)")
    func fullRounds() throws {
        #expect(try Tensor.full(0.1, shape: [1], dtype: .bfloat16).scalars(as: BFloat16.self) == [BFloat16(0.1 as Float)])
        #expect(try Tensor.full(-3.7, shape: [2], dtype: .int8).scalars(as: Int8.self) == [-3, -3])
        #expect(try Tensor.full(1000, shape: [1], dtype: .float8E4M3).scalars(as: Float8E4M3.self)[0].isNaN)
    }

    @Test("creation errors are typed")
    func errors() {
        #expect(throws: TensorError.unsupportedDType(.float4E2M1, operation: "full")) { try Tensor.ones([2], dtype: .float4E2M1) }
        #expect(throws: TensorError.negativeDimension(shape: [2, -1])) { try Tensor.full(1, shape: [2, -1]) }
        #expect(throws: TensorError.sizeOverflow(shape: [Int.max, 2], dtype: .float32)) { try Tensor.ones([Int.max, 2]) }
        #expect(throws: TensorError.reshapeMismatch(from: [3], to: [2, 2])) { try Tensor([1, 2, 3], shape: [2, 2], dtype: .float32) }
        #expect(throws: TensorError.self) { try Tensor.arange(start: 0, end: 1, step: 0) }
        #expect(throws: TensorError.self) { try Tensor.arange(-1) }
        #expect(throws: TensorError.self) { try Tensor.arange(start: 0, end: .infinity) }
    }

    @Test("arange matches numpy's element count and values")
    func arange() throws {
        #expect(try Tensor.arange(5, dtype: .int32).scalars(as: Int32.self) == [0, 1, 2, 3, 4])
        #expect(try Tensor.arange(start: 1, end: 2, step: 0.25).floatValues() == [1, 1.25, 1.5, 1.75])
        #expect(try Tensor.arange(start: 0, end: 1, step: 0.3, dtype: .float64).doubleValues() == [0, 0.3, 0.6, 0.8999999999999999])
        #expect(try Tensor.arange(start: 5, end: 0, step: -2, dtype: .int64).scalars(as: Int64.self) == [5, 3, 1])
        #expect(try Tensor.arange(start: 3, end: 1).elementCount == 0)
        #expect(try Tensor.arange(0, dtype: .bfloat16).shape == [0])
    }

    @Test("from [Double] with a target dtype")
    func fromDoubles() throws {
        let t = try Tensor([1.5, -2, 1e6], shape: [3, 1], dtype: .float16)
        #expect(t.dtype == .float16 && t.shape == [3, 1])
        #expect(try t.floatValues() == [1.5, -2, .infinity])
        let u = try Tensor([255.9, -1], shape: [2], dtype: .uint8)
        #expect(u.scalars(as: UInt8.self) == [255, 0])
    }
}
