import ArborTensor
import Foundation

/// A conversion source of PyTorch state-dict files: one `.bin`/`.pt`/`.pth`,
/// a `pytorch_model.bin.index.json`, or a model directory holding either
/// (and no safetensors). Read with `PyTorchCollection`, so nothing in the
/// files' pickles is run.
struct PyTorchSource {
    /// The URL read (an index stands for its directory).
    var url: URL
    /// Whether SRC is a directory (the output is then a directory too).
    var isDirectory: Bool
    /// The opened files.
    var collection: PyTorchCollection
    /// Non-weight files to carry into a directory output (config.json, tokenizer files…).
    var extraFiles: [URL]

    /// Opens `given` when it is a PyTorch source (see `PyTorchCollection.recognises`), else returns `nil`.
    static func openIfRecognised(_ given: URL) throws -> PyTorchSource? {
        guard PyTorchCollection.recognises(given) else { return nil }
        let url = given.lastPathComponent.hasSuffix(".bin.index.json") ? given.deletingLastPathComponent() : given
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let collection = try PyTorchCollection.open(given)
        var extra: [URL] = []
        if isDirectory.boolValue {
            let contents: [URL]
            do {
                contents = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isRegularFileKey])
            } catch {
                throw ModelConverterError.unreadableFile(url.path, error.localizedDescription)
            }
            for file in contents.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
                let name = file.lastPathComponent
                let regular = (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false
                guard regular, !name.hasPrefix("."), !name.hasSuffix(".bin.index.json"),
                      !PyTorchCollection.fileExtensions.contains(file.pathExtension.lowercased()) else { continue }
                extra.append(file)
            }
        }
        return PyTorchSource(url: url, isDirectory: isDirectory.boolValue, collection: collection, extraFiles: extra)
    }
}
