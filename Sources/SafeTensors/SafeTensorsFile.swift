import ArborTensor
import Foundation

/// An open safetensors file: the validated header, and zero-copy tensors that are
/// windows into the memory-mapped file.
///
/// Opening maps the file and parses only the header (read with `pread` when it
/// is at most 64 KiB), so it costs the same for a 1 KB file and a 100 GB one;
/// the kernel reads a tensor's pages when they are first touched. Tensors returned by `tensor(named:)` keep the mapping alive after
/// this value is gone.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: url)
/// for info in file.tensors { print(info.name, info.dtype, info.shape) }
/// let weight = try file.tensor(named: "model.embed_tokens.weight")  // no copy
/// ```
public struct SafeTensorsFile: Sendable {
    /// Where the file is.
    public let url: URL
    /// The validated header.
    public let header: SafeTensorsHeader
    /// The mapping every tensor of this file points into.
    public let mapping: MappedFile

    /// Maps `url` and validates its header with the reference rules.
    public init(contentsOf url: URL) throws(SafeTensorsError) {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(url: url)
        } catch {
            throw .cannotOpen(file: url.path, reason: error.reason)
        }
        self.url = url
        self.mapping = mapping
        self.header = try SafeTensorsFile.readHeader(of: mapping, file: url.path)
    }

    /// Headers up to this size are read with `pread` instead of through the mapping.
    static let preadHeaderLimit = 64 << 10

    /// Parses the header of `mapping`'s file. A header of up to 64 KiB (nearly
    /// every model file) is read with `pread` into a buffer: touching the
    /// mapping instead would fault in its first pages and build page tables the
    /// kernel must tear down again on close, which is most of the cost of
    /// opening a large file. Only the header's own pages are read (the first
    /// 4 KiB, then the rest of the header if it is longer), never data pages.
    /// Larger headers are parsed in place in the mapping.
    static func readHeader(of mapping: MappedFile, file: String) throws(SafeTensorsError) -> SafeTensorsHeader {
        let fileSize = mapping.byteCount
        let first = Swift.min(fileSize, 4096)
        guard first >= 8 else { return try SafeTensorsHeader(fileBytes: mapping.bytes, file: file) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.min(fileSize, 8 + preadHeaderLimit), alignment: 8)
        defer { buffer.deallocate() }
        do {
            try mapping.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<first]), at: 0)
        } catch {
            throw .cannotOpen(file: file, reason: error.reason)
        }
        let length = try SafeTensorsHeader.headerLength(leadingBytes: UnsafeRawBufferPointer(rebasing: buffer[..<first]),
                                                        fileSize: fileSize, file: file)
        let end = 8 + length
        if end > buffer.count { return try SafeTensorsHeader(fileBytes: mapping.bytes, file: file) }
        if end > first {
            do {
                try mapping.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[first..<end]), at: first)
            } catch {
                throw .cannotOpen(file: file, reason: error.reason)
            }
        }
        return try SafeTensorsHeader(leadingBytes: UnsafeRawBufferPointer(rebasing: buffer[..<Swift.max(end, first)]),
                                     fileSize: fileSize, file: file)
    }

    /// The tensors in data-offset order (the order their bytes appear in the file).
    public var tensors: [TensorInfo] { header.tensors }
    /// Tensor names in data-offset order.
    public var names: [String] { header.names }
    /// The `__metadata__` map, if the file has one.
    public var metadata: [String: String]? { header.metadata }
    /// Length of the JSON header in bytes.
    public var headerLength: Int { header.headerLength }
    /// Size of the whole file in bytes.
    public var fileSize: Int { mapping.byteCount }

    /// The info for `name`, or `nil` when the file has no such tensor.
    public func info(named name: String) -> TensorInfo? { header.info(named: name) }

    /// The tensor `name` as a read-only window into the mapping (nothing is copied;
    /// writing to it copies first).
    public func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
        guard let info = header.info(named: name) else { throw .tensorNotFound(file: url.path, tensor: name) }
        return try tensor(for: info)
    }

    /// The tensor an info from this file describes, as a zero-copy window.
    public func tensor(for info: TensorInfo) throws(SafeTensorsError) -> Tensor {
        let range = (header.dataStart + info.dataOffsets.lowerBound)..<(header.dataStart + info.dataOffsets.upperBound)
        do {
            return try Tensor(shape: info.shape, dtype: info.dtype, mapping: range, of: mapping)
        } catch {
            // Unreachable for infos of this file (the header was validated), but an
            // info from another file could land here.
            throw .sizeMismatch(file: url.path, tensor: info.name, expected: UInt64(info.byteCount),
                                actual: UInt64(range.count))
        }
    }

    /// The raw bytes of `info`'s tensor inside the mapping (valid while this file
    /// or any tensor of it is alive). Useful to hash or copy raw-only dtypes.
    public func bytes(for info: TensorInfo) -> UnsafeRawBufferPointer {
        let start = header.dataStart + info.dataOffsets.lowerBound
        guard start + info.byteCount <= mapping.byteCount, info.byteCount > 0 else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<(start + info.byteCount)])
    }

    /// Calls `body` with `info`'s raw bytes in order, at most `maxBytes` at a
    /// time, read with `pread` rather than through the mapping: streaming a whole
    /// file (hashing, comparing) then fails with `MappedFileError.changedWhileReading`
    /// naming the file if it is truncated meanwhile, where the mapping would `SIGBUS`.
    public func forEachChunk(of info: TensorInfo, maxBytes: Int = 1 << 20,
                             _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let start = header.dataStart + info.dataOffsets.lowerBound  // validated against the file size on open
        let size = Swift.min(Swift.max(maxBytes, 1), info.byteCount)
        guard size > 0 else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var done = 0
        while done < info.byteCount {
            let count = Swift.min(size, info.byteCount - done)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
            try mapping.read(into: chunk, at: start + done)
            try body(UnsafeRawBufferPointer(chunk))
            done += count
        }
    }

    /// Every tensor, keyed by name, all zero-copy.
    public func loadAll() throws(SafeTensorsError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(tensors.count)
        for info in tensors { result[info.name] = try tensor(for: info) }
        return result
    }
}
