import Arbor
import ArgumentParser
import Foundation

/// `arbor-bench graph`: `Graph.split` and `Graph.merge` time per variable for
/// models of N Linear-like layers (weight + bias each), the shapes
/// `Benchmarks/nnx_split_merge_bench.py` gives Flax NNX.
struct GraphBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "split/merge time per variable for 10…10,000 Linear-like layers.")

    @Option(help: "Comma-separated layer counts.")
    var layers: String = "10,100,1000,10000"
    @Option(help: "Features in and out of each layer (weight [width, width], bias [width]).")
    var width: Int = 4
    @Option(help: "Timed runs per size (median reported).")
    var runs: Int = 7
    @Flag(help: "Print one JSON object per size instead of a table.")
    var json = false

    func run() throws {
        let sizes = layers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if !json {
            print("Graph.split / Graph.merge, width \(width), median of \(runs) runs (thread CPU time)")
            print("layers   variables   split         merge         split+merge/var")
        }
        for count in sizes {
            let model = BenchStack(layers: count, width: width)
            let variables = 2 * count
            let repeats = max(1, 20_000 / variables)
            var graphdef: GraphDef<BenchStack>?
            var state = State()
            let split = try CPUTime.median(runs: runs) {
                for _ in 0..<repeats { (graphdef, state) = try Graph.split(model) }
            } / Double(repeats)
            guard let graphdef else { continue }
            var rebuilt: BenchStack?
            let merge = try CPUTime.median(runs: runs) {
                for _ in 0..<repeats { rebuilt = try Graph.merge(graphdef, state) }
            } / Double(repeats)
            precondition(rebuilt?.layers.count == count)
            let perVariable = (split + merge) / Double(variables)
            if json {
                print("{\"layers\": \(count), \"variables\": \(variables), \"split_s\": \(split), \"merge_s\": \(merge)}")
            } else {
                print(String(format: "%-8d %-11d %-13@ %-13@ %@", count, variables,
                             Stopwatch.format(split), Stopwatch.format(merge), Stopwatch.format(perVariable)))
            }
        }
    }
}

/// A Linear-like layer.
final class BenchLinear: Module {
    let weight: Param
    let bias: Param
    init(width: Int) {
        weight = Param(shape: [width, width])
        bias = Param(shape: [width])
    }
}

/// N layers in a list.
final class BenchStack: Module {
    let layers: [BenchLinear]
    init(layers: Int, width: Int) { self.layers = (0..<layers).map { _ in BenchLinear(width: width) } }
}

/// Thread CPU time, which (unlike wall time) does not count the time other
/// processes hold the core: figures stay comparable on a busy shared machine.
/// The Python script measures NNX the same way (`time.thread_time`).
enum CPUTime {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func median(runs: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var samples: [Double] = []
        for _ in 0..<max(runs, 1) {
            let start = now()
            try body()
            samples.append(now() - start)
        }
        return samples.sorted()[samples.count / 2]
    }
}
