import ArborInterop
import ArborTensor
import Foundation
import SafeTensors

/// The tensors behind a path `arbor diff` accepts: safetensors (a file, an
/// index, a directory) or PyTorch state dicts (`.bin`/`.pt`/`.pth`, a
/// `*.bin.index.json`, a directory of them), read the same way.
enum TensorFiles {
    case safetensors(SafeTensorsCollection)
    case pytorch(PyTorchCollection)

    /// Opens `url` as PyTorch files when `PyTorchCollection.recognises` it, else as safetensors.
    static func open(_ url: URL) throws -> TensorFiles {
        PyTorchCollection.recognises(url) ? .pytorch(try PyTorchCollection.open(url))
            : .safetensors(try SafeTensorsCollection.open(url))
    }

    /// The tensor names (index order, or file order).
    var names: [String] {
        switch self {
        case let .safetensors(collection): collection.names
        case let .pytorch(collection): collection.names
        }
    }

    /// Name, dtype, shape and where the bytes are (for a PyTorch strided view: its storage).
    func info(named name: String) throws -> TensorInfo {
        switch self {
        case let .safetensors(collection): return try collection.info(named: name)
        case let .pytorch(collection):
            let entry = try collection.locate(name).entry
            return TensorInfo(name: name, dtype: entry.record.dtype, shape: entry.record.shape,
                              dataOffsets: entry.dataRange ?? entry.storageRange)
        }
    }

    /// The tensor `name`.
    func tensor(named name: String) throws -> Tensor {
        switch self {
        case let .safetensors(collection): try collection.tensor(named: name)
        case let .pytorch(collection): try collection.tensor(named: name)
        }
    }
}
