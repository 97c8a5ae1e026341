import ArborCheckpoint
import ArborTensor
import ArgumentParser
import Foundation
import SafeTensors

/// `arbor demo`: Arbor's main job end to end on built-in data, no arguments needed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Arbor end to end on a built-in example (no files needed)."
    )

    @Option(help: "Keep what the demo writes in this directory instead of a temporary one.")
    var workdir: String?

    func run() async throws {
        try await Terminal.failing {
            let (root, temporary) = try workingDirectory()
            defer { if temporary { try? FileManager.default.removeItem(at: root) } }
            // One demo per work directory: a second one would race on its safetensors
            // and interop files (the checkpoint manager locks only its own directory).
            let lock: DirectoryLock
            do { lock = try DirectoryLock(directory: root, wait: false) } catch let CheckpointError.locked(_, pid) {
                throw DemoError.busy(root.path, pid: pid)
            }
            defer { withExtendedLifetime(lock) {} }
            print("Arbor demo — working in \(temporary ? "a temporary directory" : root.path)\n")
            try SafeTensorsDemo(root: root.appendingPathComponent("safetensors", isDirectory: true)).run()
            try await CheckpointDemo(checkpoints: root.appendingPathComponent("checkpoints", isDirectory: true)).run()
            try InteropDemo(root: root.appendingPathComponent("interop", isDirectory: true), kept: !temporary).run()
        }
    }

    private func workingDirectory() throws -> (URL, Bool) {
        if let workdir {
            let url = URL(fileURLWithPath: workdir, isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return (url, false)
        }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("arbor-demo-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return (url, true)
    }
}

/// Part 1 of the demo: a multi-dtype set of tensors written as one safetensors
/// file and as Hugging Face shards, reopened zero-copy and checked byte for byte.
struct SafeTensorsDemo {
    let root: URL

    func run() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        print("1. safetensors: write, reopen zero-copy, verify every byte")
        let tensors = try Self.makeTensors()
        let totalBytes = tensors.reduce(0) { $0 + $1.tensor.byteCount }

        let single = root.appendingPathComponent("model.safetensors")
        let writeSeconds = try seconds {
            try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: single)
        }
        let shardDirectory = root.appendingPathComponent("sharded", isDirectory: true)
        try? FileManager.default.removeItem(at: shardDirectory)
        try FileManager.default.createDirectory(at: shardDirectory, withIntermediateDirectories: true)
        var sharded: ShardedWriteResult?
        let shardSeconds = try seconds {
            sharded = try SafeTensorsWriter.writeSharded(tensors, to: shardDirectory, maxShardSize: 48_000,
                                                         baseName: "model", metadata: ["format": "pt"])
        }

        var file: SafeTensorsFile?
        let openSeconds = try seconds { file = try SafeTensorsFile(contentsOf: single) }
        let collection = try SafeTensorsCollection.open(shardDirectory)
        var checked = 0
        let verifySeconds = try seconds {
            for (name, original) in tensors {
                // `file` was set by the `seconds` block above, which threw otherwise.
                let fromFile = try file!.tensor(named: name)
                let fromShards = try collection.tensor(named: name)
                guard fromFile.isMemoryMapped, fromShards.isMemoryMapped else {
                    throw DemoError.check("\(name) was copied instead of mapped")
                }
                guard fromFile == original, fromShards == original else {
                    throw DemoError.check("\(name) differs after the round trip")
                }
                checked += original.byteCount
            }
        }
        let report = try Inspection.make(url: single, checksums: false)
        print(report.tableText().split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
        print("""
               wrote \(tensors.count) tensors (\(ByteCount.text(totalBytes))) in \(ms(writeSeconds)); \
            \(sharded?.files.count ?? 0) shards + index in \(ms(shardSeconds))
               opened in \(ms(openSeconds)) (header only, nothing copied); \
            verified \(ByteCount.text(checked)) from the file and the shards in \(ms(verifySeconds)): identical
            """)
        print("")
    }

    /// Tensors of every computable dtype, a scalar and a zero-size one.
    static func makeTensors() throws -> StateDict {
        let key = RandomKey(seed: 2026)
        let keys = key.split(4)
        let weight = try Tensor.randomNormal(shape: [64, 128], mean: 0, std: 0.02, key: keys[0], dtype: .float32)
        return try StateDict([
            ("embed.weight", try Tensor.randomNormal(shape: [100, 64], mean: 0, std: 1, key: keys[1], dtype: .float32)),
            ("layers.0.weight", weight),
            ("layers.0.weight_bf16", try weight.converted(to: .bfloat16)),
            ("layers.0.weight_f16", try weight.converted(to: .float16)),
            ("layers.0.weight_f8", try weight.converted(to: .float8E4M3)),
            ("layers.0.bias", try Tensor.randomUniform(shape: [128], low: -0.1, high: 0.1, key: keys[2], dtype: .float64)),
            ("positions", try Tensor.arange(64, dtype: .int64)),
            ("mask", try Tensor.bernoulli(p: 0.5, shape: [8, 8], key: keys[3])),
            ("tokens", Tensor((0..<32).map { UInt8($0 * 7 % 256) }, shape: [4, 8])),
            ("step", Tensor(scalar: Int32(1000))),
            ("empty", Tensor(zeros: [0, 4], dtype: .int16)),
        ])
    }
}

/// A demo step whose own check failed (which would be a bug in Arbor).
enum DemoError: Error, CustomStringConvertible {
    case check(String)
    /// Another `arbor demo` (its pid, when known) holds the work directory.
    case busy(String, pid: Int?)
    var description: String {
        switch self {
        case .check(let message): "demo self-check failed: \(message)"
        case let .busy(path, pid):
            "\(path): another arbor demo (\(pid.map { "pid \($0)" } ?? "unknown pid")) is using this work directory; "
                + "wait for it to finish or pass another --workdir"
        }
    }
}

/// Seconds taken by `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// A duration as milliseconds text.
func ms(_ seconds: Double) -> String { String(format: seconds < 0.01 ? "%.3f ms" : "%.1f ms", seconds * 1000) }
