import ArborTensor
import ArgumentParser
import Foundation
import SafeTensors

/// `arbor-bench safetensors`: open, full read, write of one large file, and
/// save/open of 20,000 tiny tensors. `Benchmarks/safetensors_bench.py` runs this
/// next to the Python `safetensors` library on the same files and prints ratios.
struct SafeTensorsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safetensors",
        abstract: "Time safetensors open / read / write (medians).")

    @Option(help: "Size of the large tensor in MiB.")
    var sizeMib: Int = 1024

    @Option(help: "Directory for the benchmark files (a new temporary directory by default; removed afterwards).")
    var dir: String?

    @Option(help: "Time open and read on this existing file instead of the one written here.")
    var input: String?

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs: Int = 5

    @Option(help: "With --open-only: also time opening this existing file of many tensors.")
    var tinyInput: String?

    @Flag(help: "Only time opening --input (and --tiny-input): no writes, no full read.")
    var openOnly = false

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    /// What Python's `with safe_open(path) as f: f.keys()` does: map, parse and
    /// validate the header, then list the names (and the metadata is there).
    static func openAndList(_ url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        withExtendedLifetime((file.names, file.metadata)) {}
    }

    func run() throws {
        if openOnly {
            guard let input else { throw ValidationError("--open-only needs --input") }
            var results: [(String, Double)] = []
            let url = URL(fileURLWithPath: input)
            results.append(("open_big", try Stopwatch.median(runs: max(runs, 50)) { try Self.openAndList(url) }))
            if let tinyInput {
                let tiny = URL(fileURLWithPath: tinyInput)
                results.append(("tiny_open", try Stopwatch.median(runs: runs) { try Self.openAndList(tiny) }))
            }
            print("{" + results.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
            return
        }
        let fileManager = FileManager.default
        let base = dir.map { URL(fileURLWithPath: $0) } ?? fileManager.temporaryDirectory
        let work = base.appendingPathComponent("arbor-bench-\(UUID().uuidString)", isDirectory: true)
        try fileManager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: work) }

        var big = Tensor(zeros: [sizeMib << 18], dtype: .float32)
        big.withUnsafeMutableBufferPointer(as: Float.self) { values in
            for index in values.indices { values[index] = Float(index & 0xFFFF) }
        }
        let bigURL = work.appendingPathComponent("arbor_big.safetensors")
        let write = try Stopwatch.median(runs: runs) { try SafeTensorsWriter.write(["weight": big], to: bigURL) }
        let writeNoSync = try Stopwatch.median(runs: runs) {
            try SafeTensorsWriter.write(["weight": big], to: bigURL, durable: false)
        }

        let readURL = input.map { URL(fileURLWithPath: $0) } ?? bigURL
        let open = try Stopwatch.median(runs: max(runs, 50)) { try Self.openAndList(readURL) }
        var checksum: UInt64 = 0
        let read = try Stopwatch.median(runs: runs) {
            let file = try SafeTensorsFile(contentsOf: readURL)
            file.mapping.adviseSequential()
            checksum = 0
            for info in file.tensors { checksum &+= Self.checksum(file.bytes(for: info)) }
        }

        let tiny = try StateDict((0..<20_000).map { (name: "layers.\($0 / 10).param_\($0 % 10)", tensor: Tensor([1, 2, 3, 4] as [Float])) })
        let tinyURL = work.appendingPathComponent("arbor_tiny.safetensors")
        let tinySave = try Stopwatch.median(runs: runs) { try SafeTensorsWriter.write(tiny, to: tinyURL) }
        let tinyOpen = try Stopwatch.median(runs: runs) { try Self.openAndList(tinyURL) }

        let results: [(String, Double)] = [
            ("open_big", open), ("read_big", read), ("write_big", write), ("write_big_nosync", writeNoSync),
            ("tiny_save", tinySave), ("tiny_open", tinyOpen),
        ]
        if json {
            let fields = results.map { "\"\($0.0)\": \($0.1)" } + ["\"size_mib\": \(sizeMib)", "\"checksum\": \(checksum)"]
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            print("safetensors, \(sizeMib) MiB (medians of \(runs) runs; write_big includes fsync, write_big_nosync does not)")
            for (name, seconds) in results { print(name.padding(toLength: 18, withPad: " ", startingAt: 0), Stopwatch.format(seconds)) }
        }
    }

    /// Sum of the bytes as 64-bit words (plus the tail bytes): touches every byte
    /// at memory speed, and the compiler cannot skip it because the result is printed.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        let words = bytes.count / 8
        var sums = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var index = 0
        while index + 4 <= words {
            sums.0 &+= base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
            sums.1 &+= base.loadUnaligned(fromByteOffset: index * 8 + 8, as: UInt64.self)
            sums.2 &+= base.loadUnaligned(fromByteOffset: index * 8 + 16, as: UInt64.self)
            sums.3 &+= base.loadUnaligned(fromByteOffset: index * 8 + 24, as: UInt64.self)
            index += 4
        }
        var total = sums.0 &+ sums.1 &+ sums.2 &+ sums.3
        while index < words {
            total &+= base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
            index += 1
        }
        for offset in (words * 8)..<bytes.count { total &+= UInt64(bytes[offset]) }
        return total
    }
}
