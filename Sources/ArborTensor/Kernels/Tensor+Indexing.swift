/// Selecting and assembling: embedding gather, concatenation, slicing and the
/// causal mask, each with its gradient.
extension Tensor {
    /// Rows of this table picked by integer `indices` (an embedding lookup).
    ///
    /// - Parameter indices: Int32 or Int64, any shape; each in `0..<shape[0]`.
    /// - Returns: `indices.shape + shape.dropFirst()`. The gradient scatter-adds
    ///   into the rows that were read (repeated indices accumulate).
    public func gathering(rowsAt indices: Tensor) -> Tensor {
        requireFloat32("gathering(rowsAt:)")
        precondition(rank >= 1, "gathering(rowsAt:): the table needs rank ≥ 1, got shape \(shape)")
        let rows = indices.indexValues("gathering(rowsAt:)", bound: shape[0])
        let width = shape.dropFirst().reduce(1, *)
        let tableShape = shape
        let out = Tensor.makeFloat32(indices.shape + shape.dropFirst()) { out in
            withFloats { table in
                for (i, row) in rows.enumerated() {
                    for j in 0..<width { out[i * width + j] = table[row * width + j] }
                }
            }
        }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            var grad = Tensor(zeros: tableShape)
            grad.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                g.withFloats { src in
                    for (i, row) in rows.enumerated() {
                        for j in 0..<width { dst[row * width + j] += src[i * width + j] }
                    }
                }
            }
            return [grad]
        }
    }

    /// Integer index values, checked against `0..<bound`.
    func indexValues(_ op: StaticString, bound: Int) -> [Int] {
        let values: [Int] = switch dtype {
        case .int32: scalars(as: Int32.self).map(Int.init)
        case .int64: scalars(as: Int64.self).map(Int.init)
        default: preconditionFailure("\(op): indices must be int32 or int64, got \(dtype)")
        }
        for value in values {
            precondition(value >= 0 && value < bound, "\(op): index \(value) out of range 0..<\(bound)")
        }
        return values
    }

    /// `tensors` joined along `axis`; all other dimensions must agree. Works for any
    /// byte-sized dtype; the gradient (f32) is sliced back to each input.
    public static func concatenated(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenated: needs at least one tensor")
        let first = tensors[0]
        let axis = first.normalizedAxis(axis, "concatenated")
        for t in tensors {
            var a = t.shape, b = first.shape
            if a.count == b.count { a[axis] = 0; b[axis] = 0 }
            precondition(a == b && t.dtype == first.dtype,
                         "concatenated: shapes \(first.shape) (\(first.dtype)) and \(t.shape) (\(t.dtype)) differ off axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        var out = Tensor(zeros: shape, dtype: first.dtype)
        var start = 0
        for t in tensors {
            copyBlock(from: t, to: &out, axis: axis, range: start..<(start + t.shape[axis]), intoLarger: true)
            start += t.shape[axis]
        }
        let extents = tensors.map { $0.shape[axis] }
        return GradientTape.recordOperation(out, inputs: tensors) { g, want in
            var offset = 0
            return extents.enumerated().map { i, extent in
                defer { offset += extent }
                return want[i] ? g.sliced(alongAxis: axis, offset..<(offset + extent)) : nil
            }
        }
    }

    /// The elements whose index along `axis` lies in `range` (a copy). Any
    /// byte-sized dtype; the gradient pads zeros around the slice.
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis, "sliced")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "sliced: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        var outShape = shape
        outShape[axis] = range.count
        var out = Tensor(zeros: outShape, dtype: dtype)
        Tensor.copyBlock(from: self, to: &out, axis: axis, range: range, intoLarger: false)
        let inputShape = shape
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            var grad = Tensor(zeros: inputShape)
            Tensor.copyBlock(from: g, to: &grad, axis: axis, range: range, intoLarger: true)
            return [grad]
        }
    }

    /// Copies between a tensor and the `range` part of a larger one along `axis`:
    /// `small` → `large[range]` when `intoLarger`, else `large[range]` → `small`.
    private static func copyBlock(from source: Tensor, to target: inout Tensor, axis: Int, range: Range<Int>,
                                  intoLarger: Bool) {
        guard let width = source.dtype.byteSize else { preconditionFailure("sliced: \(source.dtype) is a sub-byte dtype") }
        let large = intoLarger ? target.shape : source.shape
        let outer = large[..<axis].reduce(1, *), inner = large[(axis + 1)...].reduce(1, *) * width
        let largeRow = large[axis] * inner, smallRow = range.count * inner
        guard outer > 0, smallRow > 0 else { return }
        source.withUnsafeBytes { src in
            target.withUnsafeMutableBytes { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for o in 0..<outer {
                    let largeOffset = o * largeRow + range.lowerBound * inner, smallOffset = o * smallRow
                    if intoLarger {
                        (d + largeOffset).copyMemory(from: s + smallOffset, byteCount: smallRow)
                    } else {
                        (d + smallOffset).copyMemory(from: s + largeOffset, byteCount: smallRow)
                    }
                }
            }
        }
    }

    /// Attention scores `[..., T, S]` with future positions replaced by `fill`: query
    /// `i` may see keys `0...i + (S − T)` (so a cached prefix of `S − T` keys stays
    /// visible). The gradient is zero where the mask applied.
    public func causallyMasked(fill: Float = -.infinity) -> Tensor {
        requireFloat32("causallyMasked")
        precondition(rank >= 2, "causallyMasked: needs [..., queries, keys], got shape \(shape)")
        let t = shape[rank - 2], s = shape[rank - 1]
        precondition(s >= t, "causallyMasked: fewer keys (\(s)) than queries (\(t)) in shape \(shape)")
        let visible: @Sendable (Int) -> Bool = { index in
            let column = index % s, row = (index / Swift.max(s, 1)) % Swift.max(t, 1)
            return column <= row + (s - t)
        }
        let out = Tensor.makeFloat32(shape) { out in
            withFloats { x in for i in 0..<out.count { out[i] = visible(i) ? x[i] : fill } }
        }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            [Tensor.makeFloat32(g.shape) { dx in g.withFloats { gv in for i in 0..<dx.count { dx[i] = visible(i) ? gv[i] : 0 } } }]
        }
    }
}
