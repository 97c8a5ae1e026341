import Arbor
import ArborTensor

extension ProcessGroup {
    /// `root`'s tensor on every rank (other ranks' `tensor` is ignored).
    public func broadcast(_ tensor: Tensor, root: Int) throws(ProcessGroupError) -> Tensor {
        var writer = WireFormat.Writer()
        if rank == root { writer.tensor(tensor) }
        var reader = WireFormat.Reader(try broadcast(bytes: writer.bytes, root: root))
        return try reader.tensor()
    }

    /// Every rank's tensor (shapes and dtypes may differ), by rank.
    public func allGather(_ tensor: Tensor) throws(ProcessGroupError) -> [Tensor] {
        var writer = WireFormat.Writer()
        writer.tensor(tensor)
        var result: [Tensor] = []
        for part in try allGather(bytes: writer.bytes) {
            var reader = WireFormat.Reader(part)
            result.append(try reader.tensor())
        }
        return result
    }

    /// Every rank's tensor joined along dimension 0, in rank order (the
    /// inverse of `reduceScatter`'s split).
    public func allGather(concatenating tensor: Tensor) throws(ProcessGroupError) -> Tensor {
        let parts = try allGather(tensor)
        guard tensor.rank > 0, parts.allSatisfy({ $0.dtype == tensor.dtype && Array($0.shape.dropFirst()) == Array(tensor.shape.dropFirst()) }) else {
            throw .mismatch("cannot concatenate \(parts.map(\.description)) along dimension 0")
        }
        let rows = parts.reduce(0) { $0 + $1.shape[0] }
        var bytes: [UInt8] = []
        for part in parts { part.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        return try Self.tensor(shape: [rows] + tensor.shape.dropFirst(), dtype: tensor.dtype, bytes: bytes)
    }

    /// The elementwise reduction of every rank's tensor (same shape and dtype
    /// everywhere), combined in rank order: bitwise the same on every rank.
    public func allReduce(_ tensor: Tensor, op: ReduceOp) throws(ProcessGroupError) -> Tensor {
        let bytes = tensor.withUnsafeBytes { Array($0) }
        return try Self.tensor(shape: tensor.shape, dtype: tensor.dtype,
                               bytes: try allReduce(bytes: bytes, dtype: tensor.dtype, op: op))
    }

    /// This rank's rows of the elementwise reduction: dimension 0 is split
    /// ragged, `ceil(rows / size)` per rank, trailing ranks fewer or none.
    public func reduceScatter(_ tensor: Tensor, op: ReduceOp) throws(ProcessGroupError) -> Tensor {
        guard tensor.rank > 0 else { throw .mismatch("reduceScatter needs at least one dimension, got a scalar") }
        let reduced = try allReduce(tensor, op: op)
        let rows = ProcessGroups.chunk(rank, of: size, count: tensor.shape[0])
        let rowBytes = tensor.shape[0] == 0 ? 0 : tensor.byteCount / tensor.shape[0]
        let bytes = reduced.withUnsafeBytes { Array($0[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)]) }
        return try Self.tensor(shape: [rows.count] + tensor.shape.dropFirst(), dtype: tensor.dtype, bytes: bytes)
    }

    static func tensor(shape: [Int], dtype: DType, bytes: [UInt8]) throws(ProcessGroupError) -> Tensor {
        do {
            return try bytes.withUnsafeBytes { (raw) throws(TensorError) in try Tensor(shape: shape, dtype: dtype, copying: raw) }
        } catch {
            throw .mismatch("\(error)")
        }
    }
}
