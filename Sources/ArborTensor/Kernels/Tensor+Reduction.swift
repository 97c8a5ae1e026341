/// Reductions over axes (f32), each with its gradient.
///
/// Several axes reduce one after another, keeping reduced axes as size 1 until the
/// end so positions stay valid; `keepingDimensions` decides whether they stay.
extension Tensor {
    /// Sum over `axes` (negative counts from the end); all axes when empty.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let resolved = resolvedAxes(axes, "sum")
        let out = reduce(resolved, keepingDimensions, "sum", initial: 0) { $0 + $1 }
        let inputShape = shape
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            [g.reshapedUnchecked(Tensor.keptShape(inputShape, resolved)).broadcast(to: inputShape)]
        }
    }

    /// Sum of all elements, as a scalar tensor.
    public func sum() -> Tensor { sum(alongAxes: []) }

    /// Mean over `axes`; all axes when empty. The mean of zero elements is NaN.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let resolved = resolvedAxes(axes, "mean")
        let count = resolved.reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: resolved, keepingDimensions: keepingDimensions) * (1 / Float(count))
    }

    /// Mean of all elements, as a scalar tensor.
    public func mean() -> Tensor { mean(alongAxes: []) }

    /// Maximum over `axes`; all axes when empty. The gradient is shared equally
    /// among elements that tie for the maximum. Reducing zero elements gives -inf.
    public func max(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let resolved = resolvedAxes(axes, "max")
        let out = reduce(resolved, keepingDimensions, "max", initial: -.infinity) { Swift.max($0, $1) }
        let inputShape = shape
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            let kept = Tensor.keptShape(inputShape, resolved)
            let maxima = out.reshapedUnchecked(kept)
            let isMax = Tensor.broadcastingMap(self, maxima, "max") { $0 == $1 ? 1 : 0 }
            let ties = isMax.reduce(resolved, true, "max", initial: 0) { $0 + $1 }
            let share = Tensor.zipMap(g.reshapedUnchecked(kept), ties) { $0 / $1 }
            return [Tensor.broadcastingMap(isMax, share, "max") { $0 * $1 }]
        }
    }

    /// Maximum of all elements, as a scalar tensor.
    public func max() -> Tensor { max(alongAxes: []) }

    // MARK: Kernel

    func resolvedAxes(_ axes: [Int], _ op: StaticString) -> [Int] {
        let resolved = axes.isEmpty ? Array(0..<rank) : axes.map { normalizedAxis($0, op) }
        precondition(Set(resolved).count == resolved.count, "\(op): repeated axis in \(axes) for shape \(shape)")
        return resolved.sorted()
    }

    /// `shape` with the `axes` set to 1.
    static func keptShape(_ shape: [Int], _ axes: [Int]) -> [Int] {
        var kept = shape
        for axis in axes { kept[axis] = 1 }
        return kept
    }

    /// Folds `combine` over the sorted `axes`, one axis at a time.
    @inline(__always)
    func reduce(_ axes: [Int], _ keepingDimensions: Bool, _ op: StaticString, initial: Float,
                _ combine: (Float, Float) -> Float) -> Tensor {
        requireFloat32(op)
        var current = self
        for axis in axes {
            current = current.reduceAxis(axis, initial: initial, combine)
        }
        if axes.isEmpty { current = Tensor.makeFloat32(shape) { out in withFloats { _ = out.update(fromContentsOf: $0) } } }
        let finalShape = keepingDimensions ? current.shape : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        return Tensor(shape: finalShape, dtype: .float32, storage: current.storage)
    }

    /// Reduces one axis to size 1, viewing the tensor as [outer, n, inner].
    @inline(__always)
    private func reduceAxis(_ axis: Int, initial: Float, _ combine: (Float, Float) -> Float) -> Tensor {
        let n = shape[axis]
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] = 1
        return Tensor.makeFloat32(outShape) { out in
            out.initialize(repeating: initial)
            withFloats { x in
                guard let xp = x.baseAddress, let op = out.baseAddress else { return }
                for o in 0..<outer {
                    let dst = op + o * inner
                    if inner == 1 {
                        var acc = initial
                        let row = xp + o * n
                        for j in 0..<n { acc = combine(acc, row[j]) }
                        dst[0] = acc
                    } else {
                        for j in 0..<n {
                            let row = xp + (o * n + j) * inner
                            for i in 0..<inner { dst[i] = combine(dst[i], row[i]) }
                        }
                    }
                }
            }
        }
    }
}
