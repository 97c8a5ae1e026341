/// An n-dimensional array of one `DType`, with value semantics.
///
/// Copying a `Tensor` copies a reference; the bytes are copied only when a tensor
/// whose storage is shared (or memory-mapped) is written (copy-on-write). That makes
/// snapshotting a model's state for an async checkpoint cheap and safe. Elements are
/// stored contiguously in row-major order; any rank works, including scalars
/// (`shape == []`) and zero-size dimensions.
///
/// ```swift
/// var w = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
/// let snapshot = w                    // shares bytes
/// w.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 9 }  // copies first
/// ```
public struct Tensor: Sendable {
    /// Size of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The element type.
    public let dtype: DType
    /// The bytes; shared between copies until one writes. `package`: the storage
    /// hands out a writable pointer even into a read-only mapping.
    package private(set) var storage: TensorStorage
    /// The gradient-tape node that produced this tensor, or `nil` for a constant
    /// (see `GradientTape`). Writing the elements in place clears it.
    public internal(set) var traceMark: TraceMark?

    /// Wraps existing storage. The storage must hold exactly the bytes for
    /// `shape` and `dtype`; this is checked.
    package init(shape: [Int], dtype: DType, storage: TensorStorage) {
        let count = Tensor.elementCount(of: shape)
        guard let bytes = dtype.byteCount(forElements: count) else {
            preconditionFailure("Tensor: \(count) elements of \(dtype) do not fill whole bytes")
        }
        precondition(bytes == storage.byteCount,
                     "Tensor: shape \(shape) of \(dtype) needs \(bytes) bytes, storage has \(storage.byteCount)")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int], dtype: DType = .float32) {
        let bytes = Tensor.byteCount(shape: shape, dtype: dtype)
        self.init(shape: shape, dtype: dtype, storage: TensorStorage(allocating: bytes, zeroed: true))
    }

    /// A tensor holding `values` in row-major order.
    public init<T: TensorElement>(_ values: [T], shape: [Int]) {
        precondition(Tensor.elementCount(of: shape) == values.count,
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        let bytes = values.count * MemoryLayout<T>.stride
        let storage = TensorStorage(allocating: bytes, zeroed: false)
        // Storage allocated for bytes > 0 always has an address.
        values.withUnsafeBytes { source in
            if let base = source.baseAddress, bytes > 0 { storage.baseAddress!.copyMemory(from: base, byteCount: bytes) }
        }
        self.init(shape: shape, dtype: T.dtype, storage: storage)
    }

    /// A one-dimensional tensor of `values`.
    public init<T: TensorElement>(_ values: [T]) {
        self.init(values, shape: [values.count])
    }

    /// A rank-0 tensor holding one value.
    public init<T: TensorElement>(scalar value: T) {
        self.init([value], shape: [])
    }

    /// A tensor whose bytes are a copy of `bytes`; throws when the count is wrong for
    /// the shape and dtype (this initializer is how untrusted data enters).
    public init(shape: [Int], dtype: DType, copying bytes: UnsafeRawBufferPointer) throws(TensorError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .negativeDimension(shape: shape) }
        guard let count = Tensor.checkedElementCount(of: shape),
              let expected = dtype.byteCount(forElements: count) else {
            throw .sizeOverflow(shape: shape, dtype: dtype)
        }
        guard expected == bytes.count else {
            throw .byteCountMismatch(shape: shape, dtype: dtype, expected: expected, actual: bytes.count)
        }
        let storage = TensorStorage(allocating: expected, zeroed: false)
        // Storage allocated for expected > 0 always has an address.
        if expected > 0, let source = bytes.baseAddress { storage.baseAddress!.copyMemory(from: source, byteCount: expected) }
        self.init(shape: shape, dtype: dtype, storage: storage)
    }

    /// A zero-copy view of `range` bytes of a mapped file. Throws when the range
    /// lies outside the file or does not match the shape and dtype.
    public init(shape: [Int], dtype: DType, mapping range: Range<Int>, of file: MappedFile) throws(TensorError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .negativeDimension(shape: shape) }
        guard let count = Tensor.checkedElementCount(of: shape),
              let expected = dtype.byteCount(forElements: count) else {
            throw .sizeOverflow(shape: shape, dtype: dtype)
        }
        guard expected == range.count else {
            throw .byteCountMismatch(shape: shape, dtype: dtype, expected: expected, actual: range.count)
        }
        guard range.lowerBound >= 0, range.upperBound <= file.byteCount else {
            throw .rangeOutsideFile(range: range, fileSize: file.byteCount)
        }
        self.init(shape: shape, dtype: dtype, storage: TensorStorage(window: range, of: file))
    }

    /// A tensor with shape and dtype but no bytes. Abstract tensors describe a model
    /// without allocating it (restore targets, `evalShape`); reading their elements
    /// is a programming error.
    public static func abstract(shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(shape: shape, dtype: dtype,
               storage: TensorStorage(abstractByteCount: byteCount(shape: shape, dtype: dtype)))
    }

    // MARK: - Properties

    /// Number of dimensions (0 for a scalar).
    public var rank: Int { shape.count }
    /// Number of elements (1 for a scalar, 0 when any dimension is 0).
    public var elementCount: Int { Tensor.elementCount(of: shape) }
    /// Number of bytes of element data.
    public var byteCount: Int { storage.byteCount }
    /// Whether this tensor has no bytes (see `abstract(shape:dtype:)`).
    public var isAbstract: Bool { storage.isAbstract }
    /// Whether the bytes are a window into a memory-mapped file.
    public var isMemoryMapped: Bool { storage.isMapped }

    // MARK: - Byte access

    /// Calls `body` with the raw element bytes.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        precondition(!isAbstract, "Tensor: an abstract tensor (shape \(shape), \(dtype)) has no bytes to read")
        return try body(UnsafeRawBufferPointer(start: storage.baseAddress, count: storage.byteCount))
    }

    /// Calls `body` with writable element bytes, copying them first when they are
    /// shared with another tensor or mapped from a file.
    public mutating func withUnsafeMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        precondition(!isAbstract, "Tensor: an abstract tensor (shape \(shape), \(dtype)) has no bytes to write")
        if !isKnownUniquelyReferenced(&storage) || !storage.isWritable {
            storage = storage.copy()
        }
        traceMark = nil
        return try body(UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: storage.byteCount))
    }

    /// Calls `body` with the elements as `T`; `T.dtype` must be this tensor's dtype.
    public func withUnsafeBufferPointer<T: TensorElement, R, E: Error>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws(E) -> R
    ) throws(E) -> R {
        precondition(T.dtype == dtype, "Tensor: elements are \(dtype), not \(T.dtype)")
        return try withUnsafeBytes { (raw) throws(E) -> R in
            try body(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: T.self), count: elementCount))
        }
    }

    /// Calls `body` with writable elements as `T` (copy-on-write as above).
    public mutating func withUnsafeMutableBufferPointer<T: TensorElement, R, E: Error>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws(E) -> R
    ) throws(E) -> R {
        precondition(T.dtype == dtype, "Tensor: elements are \(dtype), not \(T.dtype)")
        let count = elementCount
        return try withUnsafeMutableBytes { (raw) throws(E) -> R in
            try body(UnsafeMutableBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: T.self), count: count))
        }
    }

    /// The elements as a Swift array; `T.dtype` must be this tensor's dtype.
    public func scalars<T: TensorElement>(as type: T.Type) -> [T] {
        withUnsafeBufferPointer(as: T.self) { Array($0) }
    }

    /// Whether both tensors share the same bytes in memory (no copy was made).
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    /// A tensor with its own heap copy of the bytes (for example to detach from a
    /// mapped file that is about to be replaced).
    public func materialized() -> Tensor {
        isAbstract ? self : Tensor(shape: shape, dtype: dtype, storage: storage.copy())
    }

    // MARK: - Shape arithmetic

    /// Product of the dimensions (1 for a scalar).
    public static func elementCount(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Product of the dimensions, or `nil` on overflow or a negative dimension.
    public static func checkedElementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    static func byteCount(shape: [Int], dtype: DType) -> Int {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        guard let count = checkedElementCount(of: shape), let bytes = dtype.byteCount(forElements: count) else {
            preconditionFailure("Tensor: shape \(shape) of \(dtype) has no whole byte size")
        }
        return bytes
    }
}

extension Tensor: Equatable {
    /// Bitwise equality: same dtype, same shape and the same bytes. This is the
    /// equality a checkpoint must preserve (a NaN equals the same NaN bit pattern).
    /// Abstract tensors are equal when shape and dtype are.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.dtype == rhs.dtype, lhs.shape == rhs.shape, lhs.isAbstract == rhs.isAbstract else { return false }
        if lhs.isAbstract || lhs.storage === rhs.storage { return true }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.elementsEqual(b) } }
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor(F32, [2, 3])`, plus `abstract` or `mapped` when it applies.
    public var description: String {
        let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
        let note = isAbstract ? ", abstract" : (isMemoryMapped ? ", mapped" : "")
        return "Tensor(\(dtype), \(shapeText)\(note))"
    }
}
