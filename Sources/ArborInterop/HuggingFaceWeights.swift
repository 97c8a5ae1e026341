import ArborTensor
import Foundation
import SafeTensors

/// The weight files of a Hugging Face model directory: safetensors (one file
/// or shards with an index), or, when the directory has none, PyTorch
/// `pytorch_model.bin` files (one, or shards with
/// `pytorch_model.bin.index.json`) read without running their pickles.
/// Either way the tensors are views of memory-mapped files.
///
/// ```swift
/// let directory = try HuggingFaceModelDirectory(opening: url)
/// print(directory.weights.fileURLs.count, directory.weights.names.count)
/// ```
public enum HuggingFaceWeights: Sendable {
    /// `model.safetensors` or its shards (preferred when both kinds are there).
    case safetensors(SafeTensorsCollection)
    /// `pytorch_model.bin` or its shards.
    case pytorch(PyTorchCollection)

    /// Opens the weights of `directory`: its safetensors, else its PyTorch files.
    static func open(_ directory: URL) throws(HuggingFaceError) -> HuggingFaceWeights {
        if PyTorchCollection.recognises(directory) {
            do { return .pytorch(try PyTorchCollection.open(directory)) } catch { throw .pytorchWeights(error) }
        }
        do { return .safetensors(try SafeTensorsCollection.open(directory)) } catch { throw .weights(error) }
    }

    /// Every tensor name.
    public var names: [String] {
        switch self {
        case let .safetensors(collection): collection.names
        case let .pytorch(collection): collection.names
        }
    }

    /// The weight files read.
    public var fileURLs: [URL] {
        switch self {
        case let .safetensors(collection): collection.shardURLs
        case let .pytorch(collection): collection.files.map(\.url)
        }
    }

    /// The dtypes the tensors have.
    public var dtypes: Set<DType> {
        switch self {
        case let .safetensors(collection): Set(collection.names.compactMap { try? collection.info(named: $0).dtype })
        case let .pytorch(collection): Set(collection.files.flatMap { $0.entries.map(\.record.dtype) })
        }
    }

    /// The tensors in file order, views of the mapped files where they can be
    /// (see `SafeTensorsCollection.tensors()` and `PyTorchFile.tensor(for:)`).
    public func tensors() throws(HuggingFaceError) -> StateDict {
        switch self {
        case let .safetensors(collection):
            do { return try collection.tensors() } catch { throw .weights(error) }
        case let .pytorch(collection):
            do { return try collection.tensors() } catch { throw .pytorchWeights(error) }
        }
    }
}
