import ArborTensor
import Testing
@testable import SafeTensors

/// `TransferBuffers` gives separate, fully writable buffers aligned for
/// direct I/O, on huge pages or from the allocator.
@Suite struct TransferBuffersTests {
    @Test(arguments: [true, false])
    func buffersAreAlignedSeparateAndWritable(hugePages: Bool) {
        let bytes = 3 * AtomicFile.directAlignment
        let buffers = TransferBuffers(count: 3, bytes: bytes, hugePages: hugePages)
        for index in 0..<3 {
            #expect(Int(bitPattern: buffers[index]) % AtomicFile.directAlignment == 0)
            #expect(Int(bitPattern: buffers[index]) - Int(bitPattern: buffers[0]) == index * bytes)
            buffers[index].initializeMemory(as: UInt8.self, repeating: UInt8(index + 1), count: bytes)
        }
        // Each buffer still holds its own bytes: none overlaps another.
        for index in 0..<3 {
            let view = UnsafeRawBufferPointer(start: buffers[index], count: bytes)
            #expect(view.allSatisfy { $0 == UInt8(index + 1) })
        }
        if hugePages { #expect(Int(bitPattern: buffers[0]) % TensorStorage.hugePageSize == 0) }
    }

    @Test func thePipelinedWritersRingIsOneHugePageAlignedBlock() {
        let buffers = TransferBuffers(count: PipelinedFileWriter.bufferCount, bytes: PipelinedFileWriter.bufferBytes)
        #expect(Int(bitPattern: buffers[3]) - Int(bitPattern: buffers[0]) == 3 * PipelinedFileWriter.bufferBytes)
        #expect(Int(bitPattern: buffers[0]) % TensorStorage.hugePageSize == 0)
    }
}
