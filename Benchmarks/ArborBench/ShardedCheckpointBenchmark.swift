import Arbor
import ArborCheckpoint
import ArgumentParser
import Foundation

/// `arbor-bench sharded-checkpoint-rank`: one rank of a sharded save or load,
/// run as a fresh process per rank by `Benchmarks/dcp_bench.py`, which runs
/// PyTorch Distributed Checkpoint on the same layout and prints the ratios.
///
/// The parameters are `tensors` float32 matrices `[rows, columns]`, each
/// row-sharded (FSDP) over `ranks` processes. The processes meet through a
/// `DirectoryProcessGroup` in `rendezvous` (one fresh directory per launch).
/// A save is timed from a barrier to the end of `Checkpointer.save` (the last
/// collective: every file durable and the step committed); a load from a
/// barrier to a barrier after `state(_:into:)` with `copy`, so every byte
/// is read into this process's memory as PyTorch's load does. Prints one
/// JSON line: seconds, peak RSS (VmHWM), the RSS before the work, and this
/// rank's share of the bytes.
struct ShardedCheckpointBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharded-checkpoint-rank",
        abstract: "One rank of a sharded checkpoint save or load (driven by Benchmarks/dcp_bench.py).")

    @Option(help: "save or load.")
    var role: String

    @Option(help: "This process's rank.")
    var rank: Int

    @Option(help: "Number of processes.")
    var ranks: Int

    @Option(help: "Checkpoint directory (written by save, read by load).")
    var dir: String

    @Option(help: "Fresh directory where the ranks meet.")
    var rendezvous: String

    @Option(help: "Number of matrices.")
    var tensors = 16

    @Option(help: "Rows of each matrix (sharded over the ranks).")
    var rows = 4096

    @Option(help: "Columns of each matrix.")
    var columns = 4096

    struct Report: Codable {
        var rank: Int
        var seconds: Double
        var peak_rss_bytes: Int
        var baseline_rss_bytes: Int
        var share_bytes: Int
    }

    func run() throws {
        let group = try DirectoryProcessGroup(directory: URL(fileURLWithPath: rendezvous), rank: rank, size: ranks,
                                              timeout: .seconds(600))
        let mesh = try Mesh(["fsdp": ranks], processIndex: rank, processCount: ranks)
        let sharding = try Sharding(mesh: mesh, spec: ["fsdp", nil])
        let shape = [rows, columns]
        let box = sharding.box(forDevice: rank, globalShape: shape)
        let share = tensors * box.elementCount * 4
        let url = URL(fileURLWithPath: dir)
        let baseline: Int
        let seconds: Double
        switch role {
        case "save":
            var entries: [(Path, VariableState)] = []
            for index in 0..<tensors {
                var data = Tensor(zeros: box.shape, dtype: .float32)
                data.withUnsafeMutableBufferPointer(as: Float.self) { values in
                    for position in values.indices { values[position] = Float(index &* 131 &+ position % 65_521) }
                }
                let sharded = try ShardedTensor(globalShape: shape, dtype: .float32, sharding: sharding,
                                                addressableShards: [.init(device: rank, box: box, data: data)])
                entries.append((Self.path(index), VariableState(
                    kind: .param, value: sharded.abstractValue, metadata: VariableMetadata(sharding: sharding.spec),
                    sharded: sharded)))
            }
            let state = try State(flat: entries)
            baseline = CheckpointBenchmark.peakRSS()
            try group.barrier()
            seconds = try Stopwatch.time {
                try Checkpointer(processGroup: group).save(["params": .state(state)], to: url)
            }
        case "load":
            let target = try State(flat: (0..<tensors).map { index in
                (Self.path(index), VariableState(kind: .param, value: Tensor.abstract(shape: shape, dtype: .float32),
                                                 metadata: VariableMetadata(sharding: sharding.spec)))
            })
            baseline = CheckpointBenchmark.peakRSS()
            try group.barrier()
            seconds = try Stopwatch.time {
                let restored = try Checkpointer().open(url).state("params", into: target,
                                                                  options: .init(copy: true, mesh: mesh))
                guard restored.residentByteCount == share else {
                    throw ValidationError("restored \(restored.residentByteCount) bytes, expected \(share)")
                }
                try group.barrier()
            }
        default:
            throw ValidationError("--role must be save or load")
        }
        let report = Report(rank: rank, seconds: seconds, peak_rss_bytes: CheckpointBenchmark.peakRSS(),
                            baseline_rss_bytes: baseline, share_bytes: share)
        print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
    }

    static func path(_ index: Int) -> Path { Path([.name("layers"), .index(index), .name("weight")]) }
}
