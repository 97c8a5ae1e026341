/// Reordering elements without changing them: reshape and axis permutation, with
/// gradients (a reshape's gradient is reshaped back; a permutation's is permuted
/// by the inverse).
extension Tensor {
    /// The same elements with `newShape` (no copy, no `-1`); traps when the element
    /// count differs. Records on the tape like any op. `reshaped(_:)` is the throwing
    /// form for shapes that come from data.
    func reshapedUnchecked(_ newShape: [Int]) -> Tensor {
        precondition(newShape.allSatisfy { $0 >= 0 } && Tensor.elementCount(of: newShape) == elementCount,
                     "reshape: cannot reshape \(shape) to \(newShape)")
        let out = Tensor(shape: newShape, dtype: dtype, storage: storage)
        return traceReshape(out)
    }

    /// Records `out`, a view of this tensor with another shape, on the tape.
    func traceReshape(_ out: Tensor) -> Tensor {
        let inputShape = shape
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [g.reshapedUnchecked(inputShape)] }
    }

    /// The axes reordered: result axis `i` is this tensor's axis `axes[i]` (NumPy's
    /// `transpose(axes)`, PyTorch's `permute`). Copies into row-major order.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank),
                     "permuted: \(axes) is not a permutation of the axes of shape \(shape)")
        guard let width = dtype.byteSize else { preconditionFailure("permuted: \(dtype) is a sub-byte dtype") }
        precondition(!isAbstract, "permuted: an abstract tensor (shape \(shape)) has no values")
        let outShape = axes.map { shape[$0] }
        let sourceStrides = Tensor.strides(of: shape)
        let strides = axes.map { sourceStrides[$0] }
        var out = Tensor(zeros: outShape, dtype: dtype)
        withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                guard let s = source.baseAddress, let t = target.baseAddress, target.count > 0 else { return }
                StridedCopy.gather(from: s, offset: 0, shape: outShape, strides: strides, width: width, into: t)
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in axes.enumerated() { inverse[axis] = i }
        let inverseAxes = inverse
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [g.permuted(inverseAxes)] }
    }

    /// The last two axes swapped (a batched matrix transpose).
    public func swappingLastTwoAxes() -> Tensor {
        precondition(rank >= 2, "swappingLastTwoAxes: needs rank ≥ 2, got shape \(shape)")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }
}
