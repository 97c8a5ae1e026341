import ArborTensor

/// Copies a strided view of a storage into a new row-major tensor: how a
/// non-contiguous tensor of a `torch.save` file (a transpose, a stepped
/// slice, an `expand`) becomes what `tensor.contiguous()` gives in PyTorch.
enum StridedGather {
    /// The elements `record` views in `storage`, row-major. `record` must have
    /// been checked against the storage (`PyTorchFile` does before this).
    static func gather(_ record: PyTorchTensorRecord, storage: UnsafeRawBufferPointer) -> Tensor {
        let width = record.dtype.byteSize ?? 1
        let output = TensorStorage(allocating: Tensor.elementCount(of: record.shape) * width, zeroed: false)
        if let target = output.baseAddress, let source = storage.baseAddress {
            StridedCopy.gather(from: source, offset: record.storageOffset, shape: record.shape, strides: record.strides,
                               width: width, into: target)
        }
        return Tensor(shape: record.shape, dtype: record.dtype, storage: output)
    }
}
