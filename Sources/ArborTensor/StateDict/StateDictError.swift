/// Why named tensors could not form a `StateDict`.
public enum StateDictError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two tensors have the same name (compared byte for byte); a state dict,
    /// like a safetensors file, holds each name once.
    case duplicateName(String)
    /// A tensor could not be converted to another dtype.
    case conversionFailed(name: String, TensorError)

    /// One line a user can act on.
    public var description: String {
        switch self {
        case let .duplicateName(name):
            return "two tensors are named \"\(name)\"; a state dict holds each name once"
        case let .conversionFailed(name, error):
            return "tensor \"\(name)\": cannot convert: \(error)"
        }
    }
}
