import ArborTensor
import ArborTestSupport
import Foundation
import Testing

@Suite("Tensor value semantics, reshape and transpose")
struct TensorTests {
    @Test("writing a copy does not change the original")
    func copyOnWrite() {
        let original = Tensor([1, 2, 3] as [Float])
        var copy = original
        #expect(copy.sharesStorage(with: original))
        copy.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 9 }
        #expect(!copy.sharesStorage(with: original))
        #expect(original.scalars(as: Float.self) == [1, 2, 3])
        #expect(copy.scalars(as: Float.self) == [9, 2, 3])
        // A unique owner writes in place.
        var unique = Tensor([1, 2] as [Int32])
        let before = unique.storage.baseAddress
        unique.withUnsafeMutableBufferPointer(as: Int32.self) { $0[1] = 5 }
        #expect(unique.storage.baseAddress == before && unique.scalars(as: Int32.self) == [1, 5])
    }

    @Test("a mapped tensor copies on write and leaves the file untouched")
    func mappedCopyOnWrite() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("t.bin")
        try Data([1, 0, 0, 0, 2, 0, 0, 0] as [UInt8]).write(to: url)
        let file = try MappedFile(url: url)
        var t = try Tensor(shape: [2], dtype: .int32, mapping: 0..<8, of: file)
        #expect(t.isMemoryMapped)
        t.withUnsafeMutableBufferPointer(as: Int32.self) { $0[0] = 7 }
        #expect(!t.isMemoryMapped && t.scalars(as: Int32.self) == [7, 2])
        #expect(try Data(contentsOf: url) == Data([1, 0, 0, 0, 2, 0, 0, 0] as [UInt8]))
        #expect(file.bytes.load(as: Int32.self) == 1)
    }

    @Test("reshape shares storage, infers -1 and rejects wrong counts")
    func reshape() throws {
        let t = try Tensor.arange(12)
        let r = try t.reshaped([3, -1])
        #expect(r.shape == [3, 4] && r.sharesStorage(with: t))
        #expect(throws: TensorError.reshapeMismatch(from: [12], to: [5, -1])) { try t.reshaped([5, -1]) }
        #expect(throws: TensorError.reshapeMismatch(from: [12], to: [2, 2])) { try t.reshaped([2, 2]) }
        #expect(try t.reshaped([1, 12, 1])[0, 11, 0] == 11)
    }

    @Test("transposed swaps rows and columns for every byte width", arguments: [DType.bool, .bfloat16, .float32, .int64])
    func transposed(_ dtype: DType) throws {
        let t = try Tensor.arange(start: 0, end: 6, dtype: dtype == .bool ? .float32 : dtype).reshaped([2, 3])
        let source = dtype == .bool ? try t.converted(to: .bool) : t
        let tt = source.transposed()
        #expect(tt.shape == [3, 2] && tt.dtype == dtype)
        for r in 0..<2 { for c in 0..<3 { #expect(try tt[c, r] == source[r, c]) } }
        let big = try Tensor.randomNormal(shape: [130, 70], key: RandomKey(seed: 9))
        #expect(big.transposed().transposed() == big)
        #expect(Tensor.abstract(shape: [4, 5]).transposed().shape == [5, 4])
    }
}
