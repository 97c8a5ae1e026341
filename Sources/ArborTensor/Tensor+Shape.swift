extension Tensor {
    /// The same elements with a new shape; shares storage, copies nothing. One
    /// dimension may be `-1` and is inferred.
    public func reshaped(_ newShape: [Int]) throws(TensorError) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element)
            guard known.allSatisfy({ $0 >= 0 }), newShape.filter({ $0 == -1 }).count == 1 else {
                throw .reshapeMismatch(from: shape, to: newShape)
            }
            let product = Tensor.elementCount(of: known)
            guard product > 0, elementCount % product == 0 else { throw .reshapeMismatch(from: shape, to: newShape) }
            resolved[inferred] = elementCount / product
        }
        guard resolved.allSatisfy({ $0 >= 0 }), Tensor.checkedElementCount(of: resolved) == elementCount else {
            throw .reshapeMismatch(from: shape, to: newShape)
        }
        return traceReshape(Tensor(shape: resolved, dtype: dtype, storage: storage))
    }

    /// The transpose of a 2-D tensor, as a new contiguous tensor (PyTorch's
    /// `Linear.weight` is `[out, in]`; Flax kernels are `[in, out]`).
    public func transposed() -> Tensor {
        precondition(rank == 2, "Tensor.transposed: needs a 2-D tensor, got shape \(shape)")
        guard let width = dtype.byteSize else {
            preconditionFailure("Tensor.transposed: \(dtype) is a sub-byte dtype")
        }
        let rows = shape[0], columns = shape[1]
        if isAbstract { return .abstract(shape: [columns, rows], dtype: dtype) }
        var result = Tensor(zeros: [columns, rows], dtype: dtype)
        withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                guard let s = source.baseAddress, let t = target.baseAddress else { return }
                // Blocked so both sides stay in cache for large matrices.
                let block = 64
                for r0 in stride(from: 0, to: rows, by: block) {
                    for c0 in stride(from: 0, to: columns, by: block) {
                        for r in r0..<Swift.min(r0 + block, rows) {
                            for c in c0..<Swift.min(c0 + block, columns) {
                                (t + (c * rows + r) * width).copyMemory(from: s + (r * columns + c) * width, byteCount: width)
                            }
                        }
                    }
                }
            }
        }
        return GradientTape.recordOperation(result, inputs: [self]) { g, _ in [g.transposed()] }
    }
}
