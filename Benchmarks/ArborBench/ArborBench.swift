import ArgumentParser

/// `arbor-bench`: Arbor's benchmarks. Each subcommand prints medians; the Python
/// scripts beside this folder run the anchor library on the same data and print
/// the ratios.
@main
struct ArborBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbor-bench",
        abstract: "Measure Arbor against its Python anchors (prints medians).",
        subcommands: [
            // Each benchmark adds itself here.
            SafeTensorsBenchmark.self,
            GraphBenchmark.self,
            MatmulBenchmark.self,
            CheckpointBenchmark.self,
            TrainingBenchmark.self,
            LoadBenchmark.self,
            ShardedCheckpointBenchmark.self,
            CRC32Benchmark.self,
        ]
    )
}
