import ArborTensor

/// One named tensor to write: either a `Tensor` or plain bytes with a dtype and
/// shape. The bytes form lets tools re-emit dtypes Arbor stores but does not
/// interpret (`F4`, `F6_*`, `C64`, ...) without building a tensor first.
public struct SafeTensorsEntry: Sendable {
    /// Where the bytes come from.
    public enum Payload: Sendable {
        /// A tensor's bytes (owned or mapped; mapped tensors are streamed from
        /// their file without a copy).
        case tensor(Tensor)
        /// Raw little-endian bytes in row-major order.
        case bytes([UInt8])
    }

    /// The key in the file.
    public var name: String
    /// The element type written in the header.
    public var dtype: DType
    /// The shape written in the header.
    public var shape: [Int]
    /// The element bytes.
    public var payload: Payload

    /// An entry for a tensor; dtype and shape are the tensor's.
    public init(name: String, tensor: Tensor) {
        self.name = name
        self.dtype = tensor.dtype
        self.shape = tensor.shape
        self.payload = .tensor(tensor)
    }

    /// An entry for raw bytes; the writer checks that their count matches.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.payload = .bytes(bytes)
    }

    /// Number of data bytes the payload holds.
    public var byteCount: Int {
        switch payload {
        case let .tensor(tensor): tensor.byteCount
        case let .bytes(bytes): bytes.count
        }
    }

    /// Bytes the shape and dtype call for, or `nil` when they have no whole size.
    var expectedByteCount: Int? {
        guard shape.allSatisfy({ $0 >= 0 }), let count = Tensor.checkedElementCount(of: shape) else { return nil }
        return dtype.byteCount(forElements: count)
    }

    /// Calls `body` with the payload's bytes.
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        switch payload {
        case let .tensor(tensor):
            return try tensor.withUnsafeBytes(body)
        case let .bytes(bytes):
            let outcome = bytes.withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }
            return try outcome.get()
        }
    }

    /// Calls `body` with the payload's bytes in order, in chunks: a mapped
    /// tensor is read with `pread` (`Tensor.forEachByteChunk`), so a source
    /// file truncated during a write is an error naming it, not a `SIGBUS`.
    func forEachChunk(maxBytes: Int = 1 << 20,
                      _ body: (UnsafeRawBufferPointer) throws(FileIOError) -> Void) throws(FileIOError) {
        guard case let .tensor(tensor) = payload else { return try withBytes(body) }
        do {
            try tensor.forEachByteChunk(maxBytes: maxBytes) { chunk in try body(chunk) }
        } catch let error as FileIOError {
            throw error
        } catch let error as MappedFileError {
            throw FileIOError(path: error.path, operation: "read", reason: error.reason)
        } catch {
            throw FileIOError(path: name, operation: "read", reason: "\(error)")
        }
    }
}
