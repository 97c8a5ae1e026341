/// Reading a tensor's bytes without touching a memory mapping.
///
/// A tensor loaded from a file is a window into a `MappedFile`; if the file is
/// truncated underneath, touching those pages raises `SIGBUS`. Commands that
/// stream through whole files (hashing, comparing, converting) read through
/// these instead: mapped bytes come in with `pread`, so a file that shrank is
/// a `MappedFileError` naming it. Owned tensors are read from memory.
extension Tensor {
    /// Copies `count` bytes of this tensor starting at byte `start` into
    /// `buffer` (which must hold at least `count` bytes).
    public func readBytes(from start: Int, count: Int, into buffer: UnsafeMutableRawBufferPointer) throws(MappedFileError) {
        // Callers pass ranges inside the tensor: a programming error otherwise, not input.
        precondition(start >= 0 && count >= 0 && count <= byteCount - start && count <= buffer.count,
                     "Tensor.readBytes: \(start)+\(count) outside \(byteCount) bytes")
        guard count > 0 else { return }
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
        if case let .mapped(file) = storage.backing {
            try file.read(into: target, at: storage.fileOffset + start)
            return
        }
        guard let base = storage.baseAddress else { return }  // abstract: no bytes to read
        target.copyMemory(from: UnsafeRawBufferPointer(start: base + start, count: count))
    }

    /// Calls `body` with the tensor's bytes in order, at most `maxBytes` at a
    /// time, from one reused buffer (a mapped tensor costs `maxBytes` of memory,
    /// not its size).
    public func forEachByteChunk(maxBytes: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard byteCount > 0 else { return }
        if !storage.isMapped {
            try withUnsafeBytes { try body($0) }
            return
        }
        let size = Swift.min(Swift.max(maxBytes, 1), byteCount)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var start = 0
        while start < byteCount {
            let count = Swift.min(size, byteCount - start)
            try readBytes(from: start, count: count, into: buffer)
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            start += count
        }
    }

    /// The tensor in owned memory, read with `pread` when it is a mapped window
    /// (so a truncated file is an error, not a `SIGBUS`); other tensors as they are.
    public func readIntoMemory() throws(MappedFileError) -> Tensor {
        guard storage.isMapped else { return self }
        let copy = TensorStorage(allocating: byteCount, zeroed: false)
        if byteCount > 0, let base = copy.baseAddress {
            try readBytes(from: 0, count: byteCount, into: UnsafeMutableRawBufferPointer(start: base, count: byteCount))
        }
        return Tensor(shape: shape, dtype: dtype, storage: copy)
    }
}
