import Testing
@testable import SafeTensors

/// `TransferBuffers` gives separate, fully writable buffers aligned for
/// direct I/O (and to huge pages where it maps them itself).
@Suite struct TransferBuffersTests {
    @Test func buffersAreAlignedSeparateAndWritable() {
        let bytes = 3 * AtomicFile.directAlignment
        let buffers = TransferBuffers(count: 3, bytes: bytes)
        for index in 0..<3 {
            let start = Int(bitPattern: buffers[index])
            #expect(start % AtomicFile.directAlignment == 0)
            #if os(Linux)
            #expect((start - Int(bitPattern: buffers[0])) == index * bytes)
            #expect(Int(bitPattern: buffers[0]) % TransferBuffers.hugePageBytes == 0)
            #endif
            buffers[index].initializeMemory(as: UInt8.self, repeating: UInt8(index + 1), count: bytes)
        }
        // Each buffer still holds its own bytes: none overlaps another.
        for index in 0..<3 {
            let view = UnsafeRawBufferPointer(start: buffers[index], count: bytes)
            #expect(view.allSatisfy { $0 == UInt8(index + 1) })
        }
    }

    @Test func eightMebibyteRingIsHugePageAligned() {
        let buffers = TransferBuffers(count: PipelinedFileWriter.bufferCount, bytes: PipelinedFileWriter.bufferBytes)
        #expect(Int(bitPattern: buffers[1]) - Int(bitPattern: buffers[0]) == PipelinedFileWriter.bufferBytes)
        #if os(Linux)
        #expect(Int(bitPattern: buffers[0]) % TransferBuffers.hugePageBytes == 0)
        #endif
    }
}
