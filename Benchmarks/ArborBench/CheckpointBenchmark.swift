import Arbor
import ArborCheckpoint
import ArgumentParser
import Foundation

/// `arbor-bench checkpoint`: save and restore of the three workloads Orbax is
/// measured on (`Benchmarks/orbax_bench.py --arbor-cmd …` runs both and prints
/// ratios). Restore is timed until every byte has been read, because a zero-copy
/// restore that touches nothing would not be a fair comparison; the lazy (mapped,
/// untouched) restore time is reported beside it.
struct CheckpointBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Time Checkpointer save/restore on one 512 MiB tensor, 2,000 tensors of 256 MiB, 20,000 tiny tensors.")

    @Option(help: "Timed runs per case (median reported); ARBOR_BENCH_RUNS overrides.")
    var runs = 3

    @Option(help: "Comma-separated cases; ARBOR_BENCH_CASES overrides.")
    var cases = "single_512MiB,many_2000_256MiB,tiny_20000"

    @Flag(help: "Print one JSON object (the orbax_bench.py contract).")
    var json = false

    @Option(help: .hidden)
    var restoreOnly: String?

    @Option(help: "Save the (first) case once to this directory in this fresh process and print {\"save_s\": …} (orbax_bench.py --save-rounds).")
    var saveOnce: String?

    struct Result: Codable {
        var name: String
        var save_s: Double
        var restore_s: Double
        var restore_lazy_s: Double
        var restore_peak_rss_bytes: Int
        var data_bytes: Int
    }

    func run() throws {
        if let restoreOnly { return try restoreAndReport(URL(fileURLWithPath: restoreOnly)) }
        if let saveOnce { return try saveOnceAndReport(URL(fileURLWithPath: saveOnce)) }
        let environment = ProcessInfo.processInfo.environment
        let runs = environment["ARBOR_BENCH_RUNS"].flatMap(Int.init) ?? self.runs
        let names = (environment["ARBOR_BENCH_CASES"] ?? cases).split(separator: ",").map(String.init)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("arbor-ckpt-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        var results: [Result] = []
        for name in names {
            let state = try Self.workload(name)
            var counter = 0
            var last = work
            let save = try Stopwatch.median(runs: runs, warmup: 0) {
                counter += 1
                last = work.appendingPathComponent("\(name)-\(counter)")
                try Checkpointer().save(["params": .state(state)], to: last)
            }
            let lazy = try Stopwatch.median(runs: runs) { _ = try Checkpointer().open(last).state("params") }
            let restore = try Stopwatch.median(runs: runs) { _ = try Self.restoreTouching(last) }
            let peak = try peakRSSOfRestore(last)
            results.append(Result(name: name, save_s: save, restore_s: restore, restore_lazy_s: lazy,
                                  restore_peak_rss_bytes: peak, data_bytes: state.byteCount))
            for index in 1...counter { try? FileManager.default.removeItem(at: work.appendingPathComponent("\(name)-\(index)")) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(["cases": results]), as: UTF8.self))
        } else {
            func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
            print(cell("case", 18) + cell("data", 10) + cell("save", 12) + cell("restore (read all)", 20)
                  + cell("restore (lazy)", 16) + "restore peak RSS")
            for r in results {
                print(cell(r.name, 18) + cell("\(r.data_bytes >> 20) MiB", 10) + cell(Stopwatch.format(r.save_s), 12)
                      + cell(Stopwatch.format(r.restore_s), 20) + cell(Stopwatch.format(r.restore_lazy_s), 16)
                      + "\(r.restore_peak_rss_bytes >> 20) MiB")
            }
        }
    }

    /// The workloads of `orbax_bench.py`, same shapes and names (values differ: the
    /// timing does not depend on them).
    static func workload(_ name: String) throws -> State {
        var sizes: [Int]
        switch name {
        case "single_512MiB": sizes = [134_217_728]
        case "many_2000_256MiB": sizes = (0..<2000).map { $0 < 864 ? 33_555 : 33_554 }
        case "tiny_20000": sizes = [Int](repeating: 16, count: 20_000)
        default: throw ValidationError("unknown case \(name)")
        }
        let key = RandomKey(seed: 0)
        let entries = try sizes.enumerated().map { index, count -> (Path, VariableState) in
            let tensor = count > 1_000_000
                ? try Tensor.randomUniform(shape: [count], low: -1, high: 1, key: key.fold(in: UInt64(index)), dtype: .float32)
                : try Tensor.randomNormal(shape: [count], mean: 0, std: 1, key: key.fold(in: UInt64(index)), dtype: .float32)
            return (Path([.name(String(format: "a%05d", index))]), VariableState(kind: .param, value: tensor))
        }
        return try State(flat: entries)
    }

    /// Restores and reads every byte (what a training job does before using the values).
    static func restoreTouching(_ url: URL) throws -> UInt64 {
        let state = try Checkpointer().open(url).state("params")
        var sum: UInt64 = 0
        for leaf in state.leaves {
            leaf.value.withUnsafeBytes { bytes in
                bytes.withMemoryRebound(to: UInt64.self) { words in
                    for word in words { sum &+= word }
                }
            }
        }
        return sum
    }

    /// One save of the first case into `url`, timed alone (the data is built first).
    private func saveOnceAndReport(_ url: URL) throws {
        let state = try Self.workload(cases.split(separator: ",").first.map(String.init) ?? "single_512MiB")
        let seconds = try Stopwatch.time { try Checkpointer().save(["params": .state(state)], to: url) }
        print("{\"save_s\": \(seconds)}")
    }

    private func restoreAndReport(_ url: URL) throws {
        _ = try Self.restoreTouching(url)
        print(Self.peakRSS())
    }

    /// Peak resident memory of a fresh process that only restores `url`.
    private func peakRSSOfRestore(_ url: URL) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = ["checkpoint", "--restore-only", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// `VmHWM` of this process in bytes (peak resident set; see orbax_bench.py for why not ru_maxrss).
    static func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.filter(\.isNumber)
            return (Int(digits) ?? 0) * 1024
        }
        return -1
    }
}
