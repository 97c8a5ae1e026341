import Foundation

/// The non-weight files of a model directory (`config.json`,
/// `generation_config.json`, tokenizer files…) kept inside an Arbor checkpoint,
/// so converting the checkpoint back to a Hugging Face directory restores them.
///
/// Stored as the JSON item `model_files` next to the `model` State item:
/// `{"files": {"config.json": "<text>"}, "binary_files": {"x.model": "<base64>"}}`.
/// UTF-8 files are kept verbatim as strings (readable, and written back byte for
/// byte); anything else is base64 under `binary_files`, which is omitted when empty.
/// docs/checkpoint-format.md describes the format; `ModelConverter` writes and reads it.
///
/// ```swift
/// let stored = StoredModelFiles([(name: "config.json", data: configData)])
/// try Checkpointer().save(["model": .state(state), StoredModelFiles.itemName: .json(encoding: stored)], to: url)
/// let files = try checkpoint.json(StoredModelFiles.itemName, as: StoredModelFiles.self).contents(source: url.path)
/// ```
public struct StoredModelFiles: Codable, Equatable, Sendable {
    /// The checkpoint item that holds them.
    public static let itemName = "model_files"

    /// UTF-8 text files by file name.
    public var files: [String: String]
    /// Other files by file name, base64-encoded.
    public var binaryFiles: [String: String]?

    enum CodingKeys: String, CodingKey {
        case files
        case binaryFiles = "binary_files"
    }

    /// Stores `contents` (file name → bytes), choosing text or base64 per file.
    public init(_ contents: [ModelFile]) {
        var text: [String: String] = [:]
        var binary: [String: String] = [:]
        for (name, data) in contents {
            if let string = String(data: data, encoding: .utf8), Data(string.utf8) == data {
                text[name] = string
            } else {
                binary[name] = data.base64EncodedString()
            }
        }
        files = text
        binaryFiles = binary.isEmpty ? nil : binary
    }

    /// Every file's name and bytes, sorted by name; `source` names the checkpoint
    /// in errors. Names that could escape the output directory or clash with the
    /// weight files are refused, so a hand-edited item cannot write elsewhere.
    public func contents(source: String) throws(ModelConverterError) -> [ModelFile] {
        var result: [ModelFile] = []
        for (name, text) in files { result.append((name, Data(text.utf8))) }
        for (name, encoded) in binaryFiles ?? [:] {
            guard files[name] == nil else {
                throw ModelConverterError.badStoredFiles(path: source, reason: "\"\(name)\" is listed as text and as binary")
            }
            guard let data = Data(base64Encoded: encoded) else {
                throw ModelConverterError.badStoredFiles(path: source, reason: "\"\(name)\" is not valid base64")
            }
            result.append((name, data))
        }
        for (name, _) in result {
            guard StoredModelFiles.isPlainFileName(name) else {
                throw ModelConverterError.badStoredFiles(
                    path: source, reason: "\"\(name)\" is not a plain file name (no '/', no leading '.', no weight files)")
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Whether `name` is a single path component that is not a weight file.
    public static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains("\0") && !name.hasPrefix(".")
            && !name.hasSuffix(".safetensors") && !name.hasSuffix(".safetensors.index.json")
    }
}
