import ArborTensor
import ArgumentParser
import Foundation

/// `arbor-bench matmul`: median GFLOPS of square f32 `matmul`, the figure
/// `matmul_bench.py` sets beside numpy's (OpenBLAS) on the same machine.
struct MatmulBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matmul",
        abstract: "Median GFLOPS of square f32 matmul (2·n³ flops per product).")

    @Option(name: .long, parsing: .upToNextOption, help: "Square sizes to time.")
    var sizes: [Int] = [256, 512, 1024]

    @Option(name: .long, help: "Timed runs per size (the median is reported).")
    var runs: Int = 9

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        var results: [(size: Int, seconds: Double, gflops: Double)] = []
        for n in sizes {
            let a = Self.values(n, seed: 1), b = Self.values(n, seed: 2)
            let seconds = Stopwatch.median(runs: runs, warmup: 2) { _ = matmul(a, b) }
            results.append((n, seconds, 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9))
        }
        if json {
            let entries = results.map { "\"\($0.size)\": \(String(format: "%.2f", $0.gflops))" }
            print("{\"gflops\": {\(entries.joined(separator: ", "))}}")
        } else {
            print("size    median       GFLOPS")
            for r in results {
                let time = Stopwatch.format(r.seconds)
                let size = String(r.size)
                print(size + String(repeating: " ", count: max(1, 8 - size.count)) + time
                      + String(repeating: " ", count: max(1, 13 - time.count)) + String(format: "%6.1f", r.gflops))
            }
        }
    }

    /// A deterministic `n × n` f32 matrix with values in [-1, 1).
    static func values(_ n: Int, seed: UInt64) -> Tensor {
        var state = seed
        let values = (0..<(n * n)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
        return Tensor(values, shape: [n, n])
    }
}
