import ArborDistributed
import ArborTensor

/// Every collective against a serial reference computed from all ranks'
/// inputs (each rank can make any rank's input: they derive from the rank).
public enum CollectiveChecks {
    /// Rank `rank`'s float32 input of `count` elements.
    static func input(_ rank: Int, count: Int, dtype: DType = .float32) throws -> Tensor {
        try Tensor.randomNormal(shape: [count], std: 1, key: RandomKey(seed: UInt64(100 + rank)), dtype: dtype)
    }

    /// The rank-order fold of every rank's float32 input.
    static func serialSum(size: Int, count: Int) throws -> [Float] {
        var total = try input(0, count: count).scalars(as: Float.self)
        for rank in 1..<max(size, 1) {
            let values = try input(rank, count: count).scalars(as: Float.self)
            for i in total.indices { total[i] += values[i] }
        }
        return total
    }

    static func expect<T: Equatable>(_ found: T, _ expected: T, _ what: String) -> String? {
        found == expected ? nil : "\(what): expected \(expected), found \(found)"
    }

    /// The collective checks.
    public static let all: [DistributedCheck] = [
        DistributedCheck("rank and size") { group in
            (0..<group.size).contains(group.rank) ? nil : "rank \(group.rank) outside size \(group.size)"
        },
        DistributedCheck("barrier") { group in
            try group.barrier()
            return nil
        },
        DistributedCheck("broadcast bytes from every root") { group in
            for root in 0..<group.size {
                let payload = (0..<(root + 3)).map { UInt8(($0 * 7 + root) % 256) }
                let got = try group.broadcast(bytes: group.rank == root ? payload : [], root: root)
                if got != payload { return "root \(root): got \(got)" }
            }
            return nil
        },
        DistributedCheck("all-gather bytes of different lengths") { group in
            let got = try group.allGather(bytes: Array(repeating: UInt8(group.rank), count: group.rank + 1))
            return expect(got, (0..<group.size).map { Array(repeating: UInt8($0), count: $0 + 1) }, "all-gather")
        },
        DistributedCheck("all-reduce float32 sum is the rank-order fold, bitwise") { group in
            let got = try group.allReduce(try input(group.rank, count: 37), op: .sum)
            return expect(got.scalars(as: Float.self).map(\.bitPattern),
                          try serialSum(size: group.size, count: 37).map(\.bitPattern), "sum")
        },
        DistributedCheck("all-reduce int64 max and min") { group in
            let mine = Tensor([Int64(group.rank), Int64(-group.rank * 3), 5])
            let high = try group.allReduce(mine, op: .max).scalars(as: Int64.self)
            let low = try group.allReduce(mine, op: .min).scalars(as: Int64.self)
            let n = Int64(group.size - 1)
            return expect(high + low, [n, 0, 5, 0, -3 * n, 5], "max, min")
        },
        DistributedCheck("all-reduce bfloat16 sum in float32, rounded once") { group in
            let got = try group.allReduce(try input(group.rank, count: 11, dtype: .bfloat16), op: .sum)
            var total = try input(0, count: 11, dtype: .bfloat16).converted(to: .float32).scalars(as: Float.self)
            for rank in 1..<group.size {
                let values = try input(rank, count: 11, dtype: .bfloat16).converted(to: .float32).scalars(as: Float.self)
                for i in total.indices { total[i] += values[i] }
            }
            return expect(got, try Tensor(total).converted(to: .bfloat16), "bf16 sum")
        },
        DistributedCheck("reduce-scatter float32 rows, ragged") { group in
            let mine = try input(group.rank, count: 30).reshaped([10, 3])
            let got = try group.reduceScatter(mine, op: .sum)
            let step = (10 + group.size - 1) / group.size
            let lower = min(group.rank * step, 10), upper = min(lower + step, 10)
            let expected = Array(try serialSum(size: group.size, count: 30)[(lower * 3)..<(upper * 3)])
            return expect(got.shape, [upper - lower, 3], "shape") ?? expect(got.scalars(as: Float.self), expected, "rows")
        },
        DistributedCheck("broadcast a tensor") { group in
            let root = group.size - 1
            let sent = try input(root, count: 5, dtype: .float64)
            let got = try group.broadcast(group.rank == root ? sent : Tensor(zeros: [0]), root: root)
            return expect(got, sent, "broadcast")
        },
        DistributedCheck("all-gather concatenating rows") { group in
            let mine = Tensor(Array(repeating: Int32(group.rank), count: 2 * (group.rank + 1)), shape: [group.rank + 1, 2])
            let got = try group.allGather(concatenating: mine)
            let expected = (0..<group.size).flatMap { Array(repeating: Int32($0), count: 2 * ($0 + 1)) }
            return expect(got.scalars(as: Int32.self), expected, "rows")
        },
        DistributedCheck("every rank holds the same reduction") { group in
            let sum = try group.allReduce(try input(group.rank, count: 64), op: .sum)
            let all = try group.allGather(sum)
            return all.allSatisfy { $0 == sum } ? nil : "ranks disagree"
        },
    ]
}
