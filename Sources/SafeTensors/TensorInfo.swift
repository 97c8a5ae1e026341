import ArborTensor

/// Where one tensor lives in a safetensors file and what it holds, as the header
/// describes it. Validated: the shape and dtype account for exactly the bytes
/// between the offsets.
public struct TensorInfo: Sendable, Hashable {
    /// The tensor's key in the file (`"model.layers.0.weight"`).
    public var name: String
    /// The element type.
    public var dtype: DType
    /// Dimensions, outermost first; `[]` for a scalar.
    public var shape: [Int]
    /// The byte range relative to the start of the data section (after the
    /// header), as written in `data_offsets`.
    public var dataOffsets: Range<Int>

    /// Creates an info; the reader makes these, the writer computes them.
    public init(name: String, dtype: DType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    /// Number of bytes of element data.
    public var byteCount: Int { dataOffsets.count }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}
