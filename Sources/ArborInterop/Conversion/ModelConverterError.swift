import Foundation

/// Why a `ModelConverter` refused; each case names the path, option or tensor
/// at fault and the rule it breaks, in one line. Errors of the layers below
/// (`SafeTensorsError`, `CheckpointError`, `StateDictRuleError`,
/// `HuggingFaceError`, `StateDictError`) are thrown as they are.
///
/// Options are named as `arbor convert` spells them (`--item`, `--force`), the
/// same names `ModelConverter.Options` and `ModelConverter.Source` use.
public enum ModelConverterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing is at the source path.
    case sourceNotFound(String)
    /// The source is neither safetensors nor an Arbor checkpoint.
    case unrecognisedSource(String)
    /// The destination exists and `force` was not given.
    case destinationExists(String)
    /// A rule-set name is neither built in nor a readable file.
    case unknownRules(String)
    /// A rule-set file could not be read.
    case unreadableRules(String, String)
    /// A dtype a conversion cannot cast floating-point tensors to.
    case unsupportedDType(String)
    /// A single-file destination would need several shards.
    case fileWouldShard(String, Int)
    /// A source file could not be read.
    case unreadableFile(String, String)
    /// An option that does not apply to this source.
    case optionNotApplicable(option: String, reason: String)
    /// A checkpoint source has no State item.
    case noStateItem(path: String, items: [String])
    /// A checkpoint source has several State items and none is `model`.
    case ambiguousItem(path: String, items: [String])
    /// Two checkpoint paths have the same dotted name.
    case duplicateName(path: String, name: String, first: String, second: String)
    /// A tensor name that cannot become a checkpoint path.
    case badTensorName(name: String, reason: String)
    /// Tensor names that do not form a tree.
    case badTree(path: String, reason: String)
    /// The stored `model_files` item is invalid.
    case badStoredFiles(path: String, reason: String)
    /// Routing through a model needs its `config.json`.
    case noModelConfig(path: String)

    /// One line a user can act on.
    public var description: String {
        switch self {
        case let .sourceNotFound(path): return "\(path): no such file or directory"
        case let .unrecognisedSource(path):
            return "\(path): neither a model directory (*.safetensors, *.safetensors.index.json) "
                + "nor an Arbor checkpoint (checkpoint.json, or step_N directories holding one)"
        case let .destinationExists(path): return "\(path) already exists; pass --force to replace it"
        case let .unknownRules(name): return "--rules \(name): not a built-in rule set (gpt2, flax) nor a readable file"
        case let .unreadableRules(path, reason): return "--rules \(path): \(reason)"
        case let .unsupportedDType(name): return "--dtype \(name): use a floating-point dtype (bf16, f16, f32 or f64)"
        case let .fileWouldShard(path, count): return "\(path): --max-shard-size gives \(count) shards; give a directory as DST to write shards"
        case let .unreadableFile(path, reason): return "\(path): cannot be read: \(reason)"
        case let .optionNotApplicable(option, reason): return "\(option): \(reason)"
        case let .noStateItem(path, items):
            return "\(path): no State item to convert (items: \(items.isEmpty ? "none" : items.joined(separator: ", ")))"
        case let .ambiguousItem(path, items):
            return "\(path): several State items (\(items.joined(separator: ", "))) and none is \"model\"; pass --item NAME"
        case let .duplicateName(path, name, first, second):
            return "\(path): paths \(first) and \(second) both have the dotted name \"\(name)\"; a state dict cannot hold both"
        case let .badTensorName(name, reason): return "tensor \"\(name)\": \(reason)"
        case let .badTree(path, reason): return "\(path): the tensor names do not form a tree: \(reason)"
        case let .badStoredFiles(path, reason): return "\(path): stored model files: \(reason)"
        case let .noModelConfig(path):
            return "\(path): --model needs the model's config.json (in a model directory, or stored with a checkpoint)"
        }
    }
}
