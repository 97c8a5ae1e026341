import Foundation

/// Reading a model directory's `model.safetensors.index.json` in tests.
public enum ShardIndex {
    /// The index's `weight_map` (tensor name → shard file name) in `directory`.
    public static func weightMap(in directory: URL) throws -> [String: String] {
        let data = try Data(contentsOf: directory.appendingPathComponent("model.safetensors.index.json"))
        let index = try JSONSerialization.jsonObject(with: data)
        return ((index as? [String: Any])?["weight_map"] as? [String: String]) ?? [:]
    }
}
