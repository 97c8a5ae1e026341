import Arbor
import ArborExamples
import ArgumentParser
import Foundation

/// `arbor-bench train`: median wall time of one `TwoSpiralsExample` training
/// step (forward, backward, AdamW), and of one tiny-GPT-2 forward+backward.
struct TrainingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Median time of one two-spirals training step and one tiny GPT-2 forward+backward.")

    @Option(name: .long, help: "Timed runs (the median is reported).")
    var runs: Int = 21

    @Flag(name: .long, help: "Time only the tiny GPT-2 step (what gpt2_step_bench.py compares with PyTorch).")
    var gpt2Only = false

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let example = gpt2Only ? nil : TwoSpiralsExample(seed: 0)
        var step: Double?
        if let example { step = try Stopwatch.median(runs: runs, warmup: 3) { _ = try example.step() } }

        let model = GPT2(.tiny, key: RandomKey(seed: 0))
        let ids = try Tensor.arange(2 * 16, dtype: .int64).reshaped([2, 16])
        let targets = try (Tensor.arange(2 * 16, dtype: .int64)).reshaped([2, 16])
        let gpt = try Stopwatch.median(runs: runs, warmup: 2) {
            _ = try grad(of: model) { m in m(ids).crossEntropy(labels: targets) }
        }
        if json {
            let spirals = step.map { ", \"two_spirals_step_seconds\": \($0)" } ?? ""
            print("{\"gpt2_step_seconds\": \(gpt)\(spirals)}")
        } else {
            if let step, let example {
                print("two-spirals step (batch \(example.batchSize), width 32)  " + Stopwatch.format(step))
            }
            print("gpt2 tiny forward+backward [2, 16]             " + Stopwatch.format(gpt))
        }
    }
}
