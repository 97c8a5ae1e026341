import Foundation

/// Why `arbor convert` refused; each case names the path or option at fault
/// and the rule it breaks, in one line.
enum ConvertError: Error, CustomStringConvertible {
    case sourceNotFound(String)
    case unrecognisedSource(String)
    case destinationExists(String)
    case unknownRules(String)
    case unreadableRules(String, String)
    case unknownTarget(String)
    case unknownDType(String)
    case fileWouldShard(String, Int)
    case badConfig(String, String)
    case unreadableFile(String, String)
    case optionNotApplicable(option: String, reason: String)
    case noStateItem(path: String, items: [String])
    case ambiguousItem(path: String, items: [String])
    case duplicateName(path: String, name: String, first: String, second: String)
    case badTensorName(name: String, reason: String)
    case badTree(path: String, reason: String)
    case badStoredFiles(path: String, reason: String)
    case unknownModel(String)
    case noModelConfig(path: String)

    var description: String {
        switch self {
        case let .sourceNotFound(path): return "\(path): no such file or directory"
        case let .unrecognisedSource(path):
            return "\(path): neither a model directory (*.safetensors, *.safetensors.index.json) "
                + "nor an Arbor checkpoint (checkpoint.json, or step_N directories holding one)"
        case let .destinationExists(path): return "\(path) already exists; pass --force to replace it"
        case let .unknownRules(name): return "--rules \(name): not a built-in rule set (gpt2, flax) nor a readable file"
        case let .unreadableRules(path, reason): return "--rules \(path): \(reason)"
        case let .unknownTarget(name):
            return "--to \(name): use hf (safetensors / Hugging Face layout) or arbor (an Arbor checkpoint directory)"
        case let .unknownDType(name): return "--dtype \(name): use bf16, f16, f32 or f64"
        case let .fileWouldShard(path, count): return "\(path): --max-shard-size gives \(count) shards; give a directory as DST to write shards"
        case let .badConfig(path, reason): return "\(path): cannot update the dtype: \(reason)"
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
        case let .unknownModel(name): return "--model \(name): the model Arbor can route weights through is gpt2"
        case let .noModelConfig(path):
            return "\(path): --model gpt2 needs the model's config.json (in a model directory, or stored with a checkpoint)"
        }
    }
}
