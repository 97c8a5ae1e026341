import ArborTensor
import ArborTestSupport
import Foundation
import Testing

/// The tiled transpose (8×8 register tiles, ragged edges element by element)
/// against a byte-by-byte reference, and the storage hints the GPT-2 loading
/// speed-up added (huge pages for large buffers, releasing mapped pages).
@Suite("Tiled transpose and storage hints")
struct TransposeTilesTests {
    /// `count` pseudo-random bytes.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// The transpose of a `rows × columns` matrix of `width`-byte elements, one element at a time.
    static func reference(_ bytes: [UInt8], rows: Int, columns: Int, width: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: bytes.count)
        for r in 0..<rows {
            for c in 0..<columns {
                for b in 0..<width { result[(c * rows + r) * width + b] = bytes[(r * columns + c) * width + b] }
            }
        }
        return result
    }

    static func contents(_ tensor: Tensor) -> [UInt8] { tensor.withUnsafeBytes { [UInt8]($0) } }

    @Test("every width and ragged shape matches the element-by-element transpose",
          arguments: [DType.uint8, .bfloat16, .float32, .int64])
    func matchesReference(_ dtype: DType) throws {
        let width = dtype.byteSize!
        let shapes = [(1, 1), (1, 9), (9, 1), (7, 9), (8, 8), (16, 24), (13, 300), (257, 263), (300, 520)]
        for (index, (rows, columns)) in shapes.enumerated() {
            let data = Self.bytes(rows * columns * width, seed: UInt64(index))
            let tensor = try data.withUnsafeBytes { try Tensor(shape: [rows, columns], dtype: dtype, copying: $0) }
            let result = tensor.transposed()
            #expect(result.shape == [columns, rows] && result.dtype == dtype)
            #expect(Self.contents(result) == Self.reference(data, rows: rows, columns: columns, width: width),
                    "\(dtype) \(rows)×\(columns)")
        }
    }

    @Test("an unaligned mapped source transposes correctly and stays readable after its pages are released")
    func mappedSource() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-transpose")
        let (rows, columns) = (300, 1000)  // 1.2 MB of f32: several whole pages
        let data = Self.bytes(rows * columns * 4, seed: 42)
        let file = directory.file("weights.bin")
        try Data([1, 2, 3] + data).write(to: file)  // 3-byte prefix: the tensor starts unaligned
        let mapping = try MappedFile(url: file)
        let source = try Tensor(shape: [rows, columns], dtype: .float32, mapping: 3..<(3 + data.count), of: mapping)
        let result = source.transposed()
        #expect(Self.contents(result) == Self.reference(data, rows: rows, columns: columns, width: 4))
        source.storage.releaseResidentPages()
        #expect(Self.contents(source) == data)
        #expect(result.transposed() == source)
        // Owned storage ignores the hint.
        result.storage.releaseResidentPages()
        #expect(Self.contents(result) == Self.reference(data, rows: rows, columns: columns, width: 4))
    }

    @Test("large buffers (huge-page hinted) are zeroed, writable and copy-on-write as before")
    func largeBuffers() {
        var big = Tensor(zeros: [3 << 20], dtype: .uint8)  // 3 MiB: above the huge-page threshold
        #expect(big.withUnsafeBytes { $0.allSatisfy { $0 == 0 } })
        let snapshot = big
        big.withUnsafeMutableBytes { $0[0] = 7; $0[$0.count - 1] = 9 }
        #expect(Self.contents(big).first == 7 && Self.contents(big).last == 9)
        #expect(Self.contents(snapshot).allSatisfy { $0 == 0 })
    }
}
