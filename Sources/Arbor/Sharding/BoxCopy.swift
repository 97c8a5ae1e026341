import ArborTensor

/// Copies a rectangular region between two row-major buffers that each hold
/// one box of the same global array: the byte-level engine behind shard,
/// gather and reshard, for every dtype.
///
/// Byte-sized dtypes copy runs with `copyMemory`: the innermost dimension,
/// widened over every trailing dimension the region spans fully in both boxes
/// (a row block of a row-sharded matrix is one copy). Sub-byte dtypes (4 and
/// 6 bits, packed least-significant bit first) copy element by element.
public enum BoxCopy {
    /// Copies `region` (global indices, inside both boxes) from `source`, which
    /// holds `sourceBox`, into `destination`, which holds `destinationBox`.
    public static func copy(
        region: IndexBox, dtype: DType,
        from source: UnsafeRawBufferPointer, box sourceBox: IndexBox,
        to destination: UnsafeMutableRawBufferPointer, box destinationBox: IndexBox
    ) {
        precondition(sourceBox.contains(region) && destinationBox.contains(region),
                     "BoxCopy: region \(region) outside \(sourceBox) or \(destinationBox)")
        guard region.elementCount > 0, let from = source.baseAddress, let to = destination.baseAddress else { return }
        let rank = region.rank
        let sourceStrides = strides(sourceBox.shape), destinationStrides = strides(destinationBox.shape)
        // Dimensions [inner...] form one contiguous run in both buffers.
        var inner = Swift.max(rank - 1, 0)
        while inner > 0, region.ranges[inner] == sourceBox.ranges[inner],
              region.ranges[inner] == destinationBox.ranges[inner] {
            inner -= 1
        }
        let runElements = rank == 0 ? 1 : region.ranges[inner...].reduce(1) { $0 * $1.count }
        var index = region.ranges.map(\.lowerBound)
        while true {
            var sourceOffset = 0, destinationOffset = 0
            for d in 0..<rank {
                sourceOffset += (index[d] - sourceBox.ranges[d].lowerBound) * sourceStrides[d]
                destinationOffset += (index[d] - destinationBox.ranges[d].lowerBound) * destinationStrides[d]
            }
            if let size = dtype.byteSize {
                (to + destinationOffset * size).copyMemory(from: from + sourceOffset * size, byteCount: runElements * size)
            } else {
                for k in 0..<runElements {
                    copyBits(dtype.bitWidth, from: from, element: sourceOffset + k, to: to, element: destinationOffset + k)
                }
            }
            // Advance the odometer over the dimensions before `inner`.
            var d = inner - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < region.ranges[d].upperBound { break }
                index[d] = region.ranges[d].lowerBound
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// Copies one tensor's `region` into another tensor (see `copy(region:dtype:from:box:to:box:)`).
    public static func copy(
        region: IndexBox, from source: Tensor, box sourceBox: IndexBox, into destination: inout Tensor, box destinationBox: IndexBox
    ) {
        precondition(source.dtype == destination.dtype, "BoxCopy: \(source.dtype) into \(destination.dtype)")
        source.withUnsafeBytes { from in
            destination.withUnsafeMutableBytes { to in
                copy(region: region, dtype: source.dtype, from: from, box: sourceBox, to: to, box: destinationBox)
            }
        }
    }

    /// Row-major strides, in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var result = Array(repeating: 1, count: shape.count)
        var stride = 1
        for d in shape.indices.reversed() {
            result[d] = stride
            stride *= shape[d]
        }
        return result
    }

    private static func copyBits(
        _ width: Int, from: UnsafeRawPointer, element source: Int, to: UnsafeMutableRawPointer, element destination: Int
    ) {
        for bit in 0..<width {
            let s = source * width + bit, t = destination * width + bit
            let value = (from.load(fromByteOffset: s / 8, as: UInt8.self) >> UInt8(s % 8)) & 1
            var byte = to.load(fromByteOffset: t / 8, as: UInt8.self)
            byte = (byte & ~(1 << UInt8(t % 8))) | (value << UInt8(t % 8))
            to.storeBytes(of: byte, toByteOffset: t / 8, as: UInt8.self)
        }
    }
}
