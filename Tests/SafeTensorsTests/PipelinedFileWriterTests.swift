import ArborTestSupport
import Dispatch
import Foundation
import Testing
@testable import SafeTensors

/// `PipelinedFileWriter` writes exactly the bytes it was given, in order,
/// whether they were copied in or filled in place, across buffer and
/// direct-I/O boundaries; its observer sees the same bytes; and a failure
/// leaves nothing at the destination.
@Suite struct PipelinedFileWriterTests {
    static let buffer = PipelinedFileWriter.bufferBytes

    /// A deterministic pattern the files are cut from (words of a linear congruential sequence).
    static let pattern: [UInt8] = {
        var bytes = [UInt8](repeating: 0, count: 5 * buffer)
        bytes.withUnsafeMutableBytes { raw in
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for k in 0..<(raw.count / 8) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                raw.storeBytes(of: state, toByteOffset: 8 * k, as: UInt64.self)
            }
        }
        return bytes
    }()

    /// Writes `sizes` alternately by copying and by filling; returns the bytes expected.
    static func write(_ sizes: [Int], to writer: PipelinedFileWriter) throws -> [UInt8] {
        var expected: [UInt8] = []
        for (index, size) in sizes.enumerated() {
            let start = expected.count
            let bytes = Array(Self.pattern[start..<(start + size)])
            if index.isMultiple(of: 2) {
                try writer.write(bytes)
            } else {
                var offset = 0
                try writer.fill(size) { (piece: UnsafeMutableRawBufferPointer) in
                    #expect(piece.count > 0 && piece.count <= Self.buffer)
                    bytes.withUnsafeBytes { piece.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + piece.count)])) }
                    offset += piece.count
                }
                #expect(offset == size)
            }
            expected += bytes
        }
        return expected
    }

    @Test(arguments: [
        [0], [1], [4095], [4096, 1], [buffer - 1], [buffer], [buffer, 1], [1, buffer, 4096],
        [3 * buffer + 12_345, 7, buffer - 7], [100, 200, 4 * buffer, 4096],
    ])
    func everyByteArrivesInOrder(sizes: [Int]) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("out.bin")
        let total = sizes.reduce(0, +)
        let observed = Observed()
        let writer = try PipelinedFileWriter(destination: url, expectedBytes: total) { bytes, group in
            observed.append(Array(bytes))   // on the caller's thread, before the write is queued
            group.enter()
            DispatchQueue.global().async { group.leave() }
        }
        let expected = try Self.write(sizes, to: writer)
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try writer.commit()
        #expect(try [UInt8](Data(contentsOf: url)) == expected)
        #expect(observed.bytes == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["out.bin"])
    }

    /// A throwing fill, an abort, or a writer dropped uncommitted: the old file stays, no temporary is left.
    @Test func failuresLeaveTheDestinationAsItWas() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("out.bin")
        try AtomicFile.write([7, 7, 7], to: url)
        struct Refused: Error {}
        do {
            let writer = try PipelinedFileWriter(destination: url, expectedBytes: 3 * Self.buffer)
            try writer.write([UInt8](repeating: 1, count: Self.buffer + 5))
            #expect(throws: Refused.self) {
                try writer.fill(Self.buffer) { (_: UnsafeMutableRawBufferPointer) throws(Refused) in throw Refused() }
            }
            writer.abort()
            #expect(throws: FileIOError.self) { try writer.commit() }
        }
        do {
            let writer = try PipelinedFileWriter(destination: url, expectedBytes: 2 * Self.buffer)
            try writer.write([UInt8](repeating: 2, count: 2 * Self.buffer + 1))
        }
        #expect(try [UInt8](Data(contentsOf: url)) == [7, 7, 7])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["out.bin"])
    }

    /// A write the kernel refuses (the temporary file's descriptor is gone) surfaces on a later call.
    @Test func aFailedWriteIsThrownByTheNextCall() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("full.bin")
        let writer = try PipelinedFileWriter(destination: url, expectedBytes: 0, durable: false)
        try FileManager.default.removeItem(at: directory.url)   // the rename into place must fail
        #expect(throws: FileIOError.self) {
            try writer.write([UInt8](repeating: 3, count: 2 * Self.buffer))
            try writer.commit()
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}

/// Bytes the observer saw, gathered under a lock.
private final class Observed: @unchecked Sendable {
    private let lock = NSLock()
    private var gathered: [UInt8] = []
    var bytes: [UInt8] { lock.withLock { gathered } }
    func append(_ piece: [UInt8]) { lock.withLock { gathered += piece } }
}
