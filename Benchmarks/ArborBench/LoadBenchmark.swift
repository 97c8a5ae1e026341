import Arbor
import ArborInterop
import ArborTensor
import ArgumentParser
import Foundation

/// `arbor-bench load`: loading a Hugging Face GPT-2 or Llama-family
/// directory into Arbor's `GPT2` or `Llama` (by `config.json`'s `model_type`), the Arbor side of `Benchmarks/transformers_load_bench.py` (which
/// passes the directories in `ARBOR_BENCH_CASES` and reads `--json`).
/// Directories may also be given as arguments.
///
/// `load` is `loadGPT2()` / `loadLlama()` (config + weights into a usable model); `load+touch`
/// then reads one byte per 4 KiB of every parameter, as the Python side does,
/// because mapped weights cost nothing until read. Each timed load runs in a
/// fresh process (after one untimed warm-up process), like the Python side:
/// within one process a second load reuses memory the allocator has already
/// faulted in, which a user's single load never gets. The same process reports
/// its peak RSS. The in-process median is printed beside it (`load_in_process_s`).
struct LoadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time HuggingFaceModelDirectory.loadGPT2() / loadLlama() and its peak memory on model directories.")

    @Argument(help: "GPT-2 or Llama-family directories (config.json + safetensors); ARBOR_BENCH_CASES is used when none are given.")
    var directories: [String] = []

    @Option(help: "Timed loads per case, each in a fresh process, after one untimed warm-up (medians); ARBOR_BENCH_RUNS overrides.")
    var runs = 3

    @Flag(help: "Print one JSON object (the transformers_load_bench.py contract).")
    var json = false

    @Flag(help: "Also time the phases of a load (open, rules, shape-only model, loader, merge).")
    var phases = false

    @Option(help: .hidden)
    var single: String?

    /// A one-line reason the benchmark cannot run (ArgumentParser prints it
    /// after `Error:` and exits 1, without the usage text).
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One case's figures, in the contract's field names (plus a few more).
    struct Result: Codable {
        var name: String
        var load_s: Double
        var load_touch_s: Double
        var peak_rss_bytes: Int
        var baseline_rss_bytes: Int
        var load_in_process_s: Double
        var weights_bytes: Int
        var parameters: Int
    }

    /// What one fresh process measured.
    struct Single {
        var load: Double
        var loadTouch: Double
        var peak: Int
        var baseline: Int
    }

    /// Measures every case, or with `--single` one load in this process.
    func run() throws {
        if let single { return try measureSingle(single) }
        let environment = ProcessInfo.processInfo.environment
        let runs = max(environment["ARBOR_BENCH_RUNS"].flatMap(Int.init) ?? self.runs, 1)
        let cases = try Self.cases(arguments: directories, environment: environment["ARBOR_BENCH_CASES"])
        // Load every directory once first, so a bad one fails before anything is timed.
        var parameters: [Int] = []
        for (_, url) in cases {
            parameters.append(try Graph.state(Self.load(url)).elementCount)
        }

        var results: [Result] = []
        for ((name, url), parameters) in zip(cases, parameters) {
            _ = try Self.runSingle(url)  // warm-up
            let samples = try (0..<runs).map { _ in try Self.runSingle(url) }
            /// The median of one field over the fresh processes.
            func median<T: Comparable>(_ value: (Single) -> T) -> T { samples.map(value).sorted()[samples.count / 2] }
            let inProcess = try Stopwatch.median(runs: runs) { _ = try Self.load(url) }
            results.append(Result(name: name, load_s: median(\.load), load_touch_s: median(\.loadTouch),
                                  peak_rss_bytes: median(\.peak), baseline_rss_bytes: median(\.baseline),
                                  load_in_process_s: inProcess, weights_bytes: Self.weightsBytes(url), parameters: parameters))
            // The phase breakdown is GPT-2's (its rules and model, done by hand).
            let modelType = try HuggingFaceModelDirectory(opening: url).modelType ?? "gpt2"
            if phases && !json && modelType == "gpt2" {
                try Self.printPhases(name: name, url: url, runs: runs)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(["cases": results]), as: UTF8.self))
            return
        }
        /// `text` padded to a column of `width`.
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print(cell("case", 26) + cell("params", 9) + cell("weights", 10) + cell("load", 11) + cell("load+touch", 12)
              + cell("(in-process)", 13) + cell("peak RSS", 10) + cell("(baseline)", 11) + "peak/weights")
        for r in results {
            print(cell(r.name, 26) + cell(String(format: "%.1fM", Double(r.parameters) / 1e6), 9)
                  + cell(Self.mebibytes(r.weights_bytes), 10) + cell(Stopwatch.format(r.load_s), 11)
                  + cell(Stopwatch.format(r.load_touch_s), 12) + cell(Stopwatch.format(r.load_in_process_s), 13)
                  + cell(Self.mebibytes(r.peak_rss_bytes), 10) + cell(Self.mebibytes(r.baseline_rss_bytes), 11)
                  + String(format: "%.2fx", Double(r.peak_rss_bytes) / Double(max(r.weights_bytes, 1))))
        }
        let load = Self.loadAverage()
        print("\(runs) fresh processes per case after one warm-up, medians; load average \(load.isEmpty ? "unknown" : load)")
    }

    /// The `(name, directory)` pairs: arguments (named by their last path
    /// component) or else `name=dir,...` from the environment.
    static func cases(arguments: [String], environment: String?) throws -> [(String, URL)] {
        if !arguments.isEmpty {
            return arguments.map { path in
                let url = URL(fileURLWithPath: path).standardizedFileURL
                return (url.lastPathComponent, url)
            }
        }
        guard let environment, !environment.isEmpty else {
            throw Failure("give GPT-2 directories as arguments or in ARBOR_BENCH_CASES=name=dir,...")
        }
        return try environment.split(separator: ",").map { pair in
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw Failure("ARBOR_BENCH_CASES: expected name=directory, got \(pair)")
            }
            return (String(pair[..<equals]), URL(fileURLWithPath: String(pair[pair.index(after: equals)...])))
        }
    }

    /// Loads `url` strictly into the Arbor model its `config.json`'s
    /// `model_type` names: `GPT2` (gpt2 or none) or `Llama` (llama, qwen2, mistral).
    static func load(_ url: URL) throws -> any Module {
        let directory = try HuggingFaceModelDirectory(opening: url)
        if let type = directory.modelType, LlamaConfig.huggingFaceModelTypes.contains(type) {
            return try directory.loadLlama().model
        }
        return try directory.loadGPT2().model
    }

    /// Reads one byte per 4 KiB of every parameter (and the last byte), so mapped
    /// weights are faulted in the way a first forward pass would.
    static func touch(_ model: any Module) throws -> UInt64 {
        var sum: UInt64 = 0
        for leaf in try Graph.state(model).leaves where leaf.value.byteCount > 0 {
            leaf.value.withUnsafeBytes { bytes in
                for offset in stride(from: 0, to: bytes.count, by: 4096) { sum &+= UInt64(bytes[offset]) }
                sum &+= UInt64(bytes[bytes.count - 1])
            }
        }
        return sum
    }

    /// The hidden `--single DIR` mode: one load and touch, timed, then
    /// `load_s load_touch_s peak baseline` (VmHWM after and before, in bytes)
    /// on one line for the parent to read.
    private func measureSingle(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let baseline = CheckpointBenchmark.peakRSS()
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try Self.load(url)
        let loaded = DispatchTime.now().uptimeNanoseconds
        let sum = try Self.touch(model)
        let touched = DispatchTime.now().uptimeNanoseconds
        let peak = CheckpointBenchmark.peakRSS()
        print("\(Double(loaded - start) / 1e9) \(Double(touched - start) / 1e9) \(peak) \(baseline) \(sum % 10)")
    }

    /// Runs a fresh copy of this program on `url` in `--single` mode.
    static func runSingle(_ url: URL) throws -> Single {
        let process = Process()
        #if os(Linux)
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #else
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        #endif
        process.arguments = ["load", "--single", url.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard process.terminationStatus == 0, fields.count >= 4,
              let load = Double(fields[0]), let loadTouch = Double(fields[1]), let peak = Int(fields[2]),
              let baseline = Int(fields[3]) else {
            let reason = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure("measuring process failed for \(url.path): \(reason.isEmpty ? "no output" : reason)")
        }
        return Single(load: load, loadTouch: loadTouch, peak: peak, baseline: baseline)
    }

    /// Prints the median time of each step `loadGPT2()` takes, done here by hand
    /// with the same public calls, to show what dominates.
    static func printPhases(name: String, url: URL, runs: Int) throws {
        var open = 0.0, config = 0.0, views = 0.0, rules = 0.0, shape = 0.0, loader = 0.0, merge = 0.0, touch = 0.0
        var samples: [[Double]] = []
        for run in 0...max(runs, 1) {
            var directory: HuggingFaceModelDirectory?
            open = try Stopwatch.time { directory = try HuggingFaceModelDirectory(opening: url) }
            var gpt2Config: GPT2Config?
            config = try Stopwatch.time { gpt2Config = try directory!.gpt2Config() }
            var tensors = StateDict()
            views = try Stopwatch.time { tensors = try directory!.tensors() }
            var mapped = StateDict()
            rules = try Stopwatch.time { mapped = try StateDictRules.gpt2.apply(tensors) }
            tensors = StateDict()
            var split: (GraphDef<GPT2>, State)?
            shape = try Stopwatch.time {
                split = try Graph.split(Graph.evalShape { GPT2(gpt2Config!, key: RandomKey(seed: 0)) })
            }
            var state: State?
            loader = try Stopwatch.time {
                state = try StateDictLoader(strict: true, castFloats: true).load(mapped, into: split!.1, source: name).state
            }
            mapped = StateDict()
            var model: GPT2?
            merge = try Stopwatch.time { model = try Graph.merge(split!.0, state!) }
            state = nil
            touch = try Stopwatch.time { _ = try Self.touch(model!) }
            if run > 0 { samples.append([open, config, views, rules, shape, loader, merge, touch]) }
        }
        let labels = ["open", "config", "views", "rules", "shape-only GPT2 + split", "loader", "merge", "touch"]
        let medians = labels.indices.map { column in samples.map { $0[column] }.sorted()[samples.count / 2] }
        print("phases of \(name) (medians of \(samples.count)): "
              + zip(labels, medians).map { "\($0) \(Stopwatch.format($1))" }.joined(separator: ", "))
    }

    /// Bytes of the `.safetensors` files in `url` (the weights' size on disk).
    static func weightsBytes(_ url: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path)[.size]) as? Int
            return total + (size ?? 0)
        }
    }

    /// `n MiB` (or fractional below 10 MiB), as the Python script prints it.
    static func mebibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_048_576
        return value >= 10 ? String(format: "%.0f MiB", value) : String(format: "%.2f MiB", value)
    }

    /// The 1-minute load average, for the table's footnote.
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "" }
        return text.split(separator: " ").first.map(String.init) ?? ""
    }
}
