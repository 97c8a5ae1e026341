/// Why bytes could not become a tensor. These guard the paths by which untrusted
/// data (files, restored state) enters, so they throw instead of trapping.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// A dimension is negative.
    case negativeDimension(shape: [Int])
    /// The byte size of the shape overflows, or does not fill whole bytes.
    case sizeOverflow(shape: [Int], dtype: DType)
    /// The bytes given are not the size the shape and dtype need.
    case byteCountMismatch(shape: [Int], dtype: DType, expected: Int, actual: Int)
    /// A mapped window reaches past the end of its file.
    case rangeOutsideFile(range: Range<Int>, fileSize: Int)
    /// A reshape to a shape with a different element count.
    case reshapeMismatch(from: [Int], to: [Int])
    /// A conversion or value read on a dtype Arbor stores but does not interpret.
    case unsupportedDType(DType, operation: String)
    /// Values were read from an abstract tensor, which has shape and dtype only.
    case abstractTensor(shape: [Int], dtype: DType, operation: String)
    /// An element index has the wrong rank or lies outside the shape.
    case indexOutOfRange(index: [Int], shape: [Int])
    /// An argument of a creation or random function is out of its domain.
    case invalidArgument(operation: String, reason: String)

    /// One line a user can act on.
    public var description: String {
        switch self {
        case let .negativeDimension(shape): "shape \(shape) has a negative dimension"
        case let .sizeOverflow(shape, dtype): "shape \(shape) of \(dtype) has no whole byte size (overflow or sub-byte remainder)"
        case let .byteCountMismatch(shape, dtype, expected, actual):
            "shape \(shape) of \(dtype) needs \(expected) bytes, got \(actual)"
        case let .rangeOutsideFile(range, size): "bytes \(range.lowerBound)..<\(range.upperBound) lie outside a file of \(size) bytes"
        case let .reshapeMismatch(from, to): "cannot reshape \(from) to \(to): element counts differ"
        case let .unsupportedDType(dtype, operation): "\(operation) is not supported for \(dtype) (stored byte-exact only)"
        case let .abstractTensor(shape, dtype, operation):
            "\(operation) needs values, but the \(dtype) tensor of shape \(shape) is abstract (shape and dtype only); load its values first"
        case let .indexOutOfRange(index, shape): "index \(index) is outside shape \(shape)"
        case let .invalidArgument(operation, reason): "\(operation): \(reason)"
        }
    }
}
