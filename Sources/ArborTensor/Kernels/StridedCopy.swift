/// Copies the elements of a strided view into row-major order: the kernel
/// behind `Tensor.permuted` and behind reading PyTorch's non-contiguous
/// tensors (a transpose, a stepped slice, an `expand`) from a file.
package enum StridedCopy {
    /// Writes the `shape` elements that start at element `offset` of `source`
    /// and step by `strides` (in elements of `width` bytes) to `target`,
    /// row-major. The caller guarantees every element reached lies inside
    /// `source` and `target` holds them all.
    package static func gather(from source: UnsafeRawPointer, offset: Int, shape: [Int], strides: [Int], width: Int,
                               into target: UnsafeMutableRawPointer) {
        let total = Tensor.elementCount(of: shape)
        guard total > 0 else { return }
        let inner = shape.last ?? 1, innerStride = strides.last ?? 1
        var index = [Int](repeating: 0, count: Swift.max(shape.count - 1, 0))
        var from = offset, to = 0
        while to < total {
            if innerStride == 1 {
                (target + to * width).copyMemory(from: source + from * width, byteCount: inner * width)
            } else if width == 4 {
                // The source may be a file mapping at any offset: load unaligned.
                for j in 0..<inner {
                    let value = source.loadUnaligned(fromByteOffset: (from + j * innerStride) * 4, as: UInt32.self)
                    target.storeBytes(of: value, toByteOffset: (to + j) * 4, as: UInt32.self)
                }
            } else {
                for j in 0..<inner {
                    (target + (to + j) * width).copyMemory(from: source + (from + j * innerStride) * width, byteCount: width)
                }
            }
            to += inner
            // Advance the odometer over the outer axes.
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                from += strides[axis]
                if index[axis] < shape[axis] { break }
                from -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
