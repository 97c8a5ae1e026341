import Arbor
import ArborTensor
import SafeTensors

/// Why a Hugging Face model directory could not be read or written; each case
/// names the directory or file and carries the underlying one-line reason.
public enum HuggingFaceError: Error, Sendable, CustomStringConvertible {
    /// The path is not a directory.
    case notADirectory(path: String)
    /// The directory has no `config.json`.
    case missingConfig(directory: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// `config.json` describes a model Arbor's layer cannot compute.
    case config(GPT2ConfigError)
    /// `config.json` describes a Llama-family or BERT model Arbor's layer cannot compute.
    case architectureConfig(ArchitectureConfigError)
    /// The safetensors weights are invalid.
    case weights(SafeTensorsError)
    /// The PyTorch weights (`pytorch_model.bin`) are invalid or refused.
    case pytorchWeights(PyTorchFileError)
    /// The name mapping failed.
    case rules(StateDictRuleError)
    /// The weights do not fit the model (the whole report).
    case load(StateDictLoadError)
    /// The model could not be split or rebuilt.
    case graph(GraphError)
    /// The destination exists and `force` was not given.
    case destinationExists(path: String)
    /// PyTorch has no dtype for this one, so `config.json` cannot name it.
    case noTorchName(DType)

    /// One message a user can act on.
    public var description: String {
        switch self {
        case let .notADirectory(path): return "\(path): not a directory (expected a Hugging Face model directory)"
        case let .missingConfig(directory): return "\(directory): no config.json (a Hugging Face model directory needs one)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .config(error): return error.description
        case let .architectureConfig(error): return error.description
        case let .weights(error): return error.description
        case let .pytorchWeights(error): return error.description
        case let .rules(error): return error.description
        case let .load(error): return error.description
        case let .graph(error): return "\(error)"
        case let .destinationExists(path): return "\(path) already exists; pass force (--force) to replace it"
        case let .noTorchName(dtype):
            return "\(dtype) has no PyTorch dtype, so config.json cannot name it; use bf16, f16, f32 or f64"
        }
    }
}
