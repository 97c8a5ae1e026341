import Arbor
import ArborTensor

/// The byte layout collectives use to send tensors and shards: little-endian
/// Int64 headers followed by raw element bytes. Only ranks of one job read
/// it, so it needs no versioning; lengths are still checked without overflow,
/// so a garbled message is a `ProcessGroupError`, not a trap.
enum WireFormat {
    struct Writer {
        var bytes: [UInt8] = []

        mutating func int(_ value: Int) { withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) } }

        mutating func tensor(_ tensor: Tensor) {
            let name = Array(tensor.dtype.rawValue.utf8)
            int(name.count)
            bytes.append(contentsOf: name)
            int(tensor.rank)
            for dimension in tensor.shape { int(dimension) }
            int(tensor.byteCount)
            tensor.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }

        mutating func shards(_ shards: [ShardedTensor.Shard]) {
            int(shards.count)
            for shard in shards {
                int(shard.device)
                int(shard.box.rank)
                for range in shard.box.ranges {
                    int(range.lowerBound)
                    int(range.upperBound)
                }
                tensor(shard.data)
            }
        }
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func int() throws(ProcessGroupError) -> Int {
            guard bytes.count - offset >= 8 else { throw .mismatch("truncated message (\(bytes.count) bytes)") }
            var value: Int64 = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + 8)]) }
            offset += 8
            return Int(Int64(littleEndian: value))
        }

        mutating func tensor() throws(ProcessGroupError) -> Tensor {
            let nameLength = try int()
            guard nameLength >= 0, nameLength <= bytes.count - offset,
                  let dtype = DType(rawValue: String(decoding: bytes[offset..<(offset + nameLength)], as: UTF8.self)) else {
                throw .mismatch("unreadable dtype in message")
            }
            offset += nameLength
            let rank = try int()
            guard (0...64).contains(rank) else { throw .mismatch("rank \(rank) in message") }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(try int()) }
            let count = try int()
            guard count >= 0, count <= bytes.count - offset else { throw .mismatch("truncated tensor in message") }
            defer { offset += count }
            do {
                return try bytes[offset..<(offset + count)].withUnsafeBytes { (raw) throws(TensorError) in
                    try Tensor(shape: shape, dtype: dtype, copying: raw)
                }
            } catch {
                throw .mismatch("tensor in message: \(error)")
            }
        }

        mutating func shards() throws(ProcessGroupError) -> [ShardedTensor.Shard] {
            var result: [ShardedTensor.Shard] = []
            let shardCount = try int()
            guard shardCount >= 0 else { throw .mismatch("\(shardCount) shards in message") }
            for _ in 0..<shardCount {
                let device = try int()
                var ranges: [Range<Int>] = []
                let rank = try int()
                guard (0...64).contains(rank) else { throw .mismatch("box rank \(rank) in message") }
                for _ in 0..<rank {
                    let lower = try int(), upper = try int()
                    guard lower <= upper else { throw .mismatch("box range \(lower)..<\(upper) in message") }
                    ranges.append(lower..<upper)
                }
                result.append(ShardedTensor.Shard(device: device, box: IndexBox(ranges), data: try tensor()))
            }
            return result
        }
    }
}
