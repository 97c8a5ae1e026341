import ArborTensor
import Foundation

extension HuggingFaceModelDirectory {
    /// The name `config.json` gives a dtype in `dtype` / `torch_dtype`:
    /// PyTorch's (`torch.bfloat16` → `"bfloat16"`, `torch.int64` → `"int64"`).
    /// Throws for the formats PyTorch has no dtype for (6-bit floats, packed 4-bit floats).
    public static func torchName(_ dtype: DType) throws(HuggingFaceError) -> String {
        guard let name = dtype.pytorchName else { throw .noTorchName(dtype) }
        return name
    }

    /// `config.json` bytes with their dtype fields (`dtype`, `torch_dtype`) set to
    /// `dtype`'s PyTorch name, or `dtype` added when neither is there; written
    /// pretty-printed with sorted keys. `path` names the file in errors.
    public static func config(_ data: Data, settingDType dtype: DType, path: String) throws(HuggingFaceError) -> Data {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .io(path: path, reason: "cannot update the dtype: not valid JSON")
        }
        guard var config = object as? [String: Any] else {
            throw .io(path: path, reason: "cannot update the dtype: not a JSON object")
        }
        let name = try torchName(dtype)
        var updated = false
        for key in ["dtype", "torch_dtype"] where config[key] != nil {
            config[key] = name
            updated = true
        }
        if !updated { config["dtype"] = name }
        var text: Data
        do {
            text = try JSONSerialization.data(withJSONObject: config,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch { throw .io(path: path, reason: "cannot update the dtype: \(error.localizedDescription)") }
        text.append(contentsOf: Array("\n".utf8))
        return text
    }
}
