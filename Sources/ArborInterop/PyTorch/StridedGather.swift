import ArborTensor

/// Copies a strided view of a storage into a new row-major tensor: how a
/// non-contiguous tensor of a `torch.save` file (a transpose, a stepped
/// slice) becomes what `tensor.contiguous()` gives in PyTorch.
enum StridedGather {
    /// The elements `record` views in `storage`, row-major. `record` must have
    /// been checked against the storage (`PyTorchFile` does before this).
    static func gather(_ record: PyTorchTensorRecord, storage: UnsafeRawBufferPointer) -> Tensor {
        let size = record.dtype.byteSize ?? 1
        let count = Tensor.elementCount(of: record.shape)
        let output = TensorStorage(allocating: count * size, zeroed: false)
        guard count > 0, let target = output.baseAddress, let source = storage.baseAddress else {
            return Tensor(shape: record.shape, dtype: record.dtype, storage: output)
        }
        // Copy runs along the innermost dimension; walk the outer ones with an odometer.
        let shape = record.shape, strides = record.strides
        let rank = shape.count
        let inner = rank == 0 ? 1 : shape[rank - 1]
        let innerStride = rank == 0 ? 1 : strides[rank - 1]
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var written = 0
        var start = record.storageOffset
        while written < count * size {
            if innerStride == 1 {
                (target + written).copyMemory(from: source + start * size, byteCount: inner * size)
            } else {
                for element in 0..<inner {
                    (target + written + element * size).copyMemory(from: source + (start + element * innerStride) * size,
                                                                   byteCount: size)
                }
            }
            written += inner * size
            // Advance the odometer over the outer dimensions.
            var dimension = rank - 2
            while dimension >= 0 {
                index[dimension] += 1
                start += strides[dimension]
                if index[dimension] < shape[dimension] { break }
                start -= strides[dimension] * shape[dimension]
                index[dimension] = 0
                dimension -= 1
            }
        }
        return Tensor(shape: shape, dtype: record.dtype, storage: output)
    }
}
