import ArborTensor
import Testing

@Suite("Element access and allClose")
struct ElementTests {
    @Test("element(at:) and the subscript read any numeric dtype as Double")
    func elementAccess() throws {
        let w = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect(try w.element(at: [1, 0]) == 4)
        #expect(try w[0, 2] == 3)
        for dtype in DType.allCases where dtype.isNumeric && dtype != .bool {
            let t = try w.converted(to: dtype)
            #expect(try t[1, 2] == 6, "\(dtype)")
        }
        #expect(try Tensor(scalar: Int64(-7)).element(at: []) == -7)
        #expect(try Tensor([true, false]).element(at: [0]) == 1)
    }

    @Test("bad indices, raw dtypes and abstract tensors throw instead of trapping")
    func accessErrors() throws {
        let w = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        #expect(throws: TensorError.indexOutOfRange(index: [2, 0], shape: [2, 2])) { try w.element(at: [2, 0]) }
        #expect(throws: TensorError.indexOutOfRange(index: [1], shape: [2, 2])) { try w[1] }
        #expect(throws: TensorError.indexOutOfRange(index: [0, -1], shape: [2, 2])) { try w[0, -1] }
        let abstract = Tensor.abstract(shape: [2], dtype: .float16)
        #expect(throws: TensorError.abstractTensor(shape: [2], dtype: .float16, operation: "floatValues()")) {
            try abstract.floatValues()
        }
        let raw = try [UInt8](repeating: 0, count: 8).withUnsafeBytes { try Tensor(shape: [1], dtype: .complex64, copying: $0) }
        #expect(throws: TensorError.unsupportedDType(.complex64, operation: "doubleValues()")) { try raw.doubleValues() }
        #expect(String(describing: TensorError.indexOutOfRange(index: [2, 0], shape: [2, 2])) == "index [2, 0] is outside shape [2, 2]")
    }

    @Test("floatValues and doubleValues convert every element")
    func values() throws {
        let t = Tensor([1, -2, 300] as [Int16])
        #expect(try t.floatValues() == [1, -2, 300])
        #expect(try t.doubleValues() == [1, -2, 300])
        let big = Tensor([Int64(1) << 53 + 1])
        #expect(try big.doubleValues() == [0x1p53])  // rounds to nearest even
    }

    @Test("allClose follows numpy: |a - b| <= atol + rtol * |b|")
    func allClose() throws {
        let a = Tensor([1, 2, 3] as [Float])
        #expect(a.allClose(a))
        #expect(a.allClose(Tensor([1, 2, 3.00002] as [Float])))
        #expect(!a.allClose(Tensor([1, 2, 3.0001] as [Float])))
        #expect(a.allClose(Tensor([1, 2, 3.1] as [Float]), rtol: 0, atol: 0.11))
        #expect(a.allClose(Tensor([1, 2, 3] as [Double])))  // dtypes may differ
        #expect(!a.allClose(Tensor([1, 2, 3] as [Float], shape: [3, 1])))  // no broadcasting
        #expect(try a.allClose(a.converted(to: .bfloat16)))
        // Asymmetric like numpy: the tolerance scales with |other|.
        let x = Tensor([100] as [Double]), y = Tensor([0] as [Double])
        #expect(!x.allClose(y, rtol: 1, atol: 0))
        #expect(y.allClose(x, rtol: 1, atol: 0))
    }

    @Test("allClose handles NaN and infinities as documented")
    func allCloseSpecials() {
        let nan = Tensor([1, .nan] as [Float])
        #expect(!nan.allClose(nan))
        #expect(nan.allClose(nan, equalNaN: true))
        let inf = Tensor([.infinity, -.infinity] as [Float])
        #expect(inf.allClose(inf))
        #expect(!inf.allClose(Tensor([.infinity, .infinity] as [Float])))
        #expect(!inf.allClose(Tensor([1e38, -1e38] as [Float]), rtol: 1e30))
        #expect(!Tensor.abstract(shape: [1]).allClose(.abstract(shape: [1])))
    }
}
