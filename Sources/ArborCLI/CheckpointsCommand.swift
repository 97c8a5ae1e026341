import ArborCheckpoint
import ArgumentParser
import Foundation
import SafeTensors

/// `arbor checkpoints DIR`: the steps of a training run's checkpoint directory.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints",
        abstract: "List the steps in a checkpoint directory: step, time, size, metrics, status."
    )

    @Argument(help: "A directory written by CheckpointManager (holding step_NNNNNNNN directories).")
    var directory: String

    @OptionGroup var output: OutputOptions

    struct Row: Codable {
        var step: Int
        var time: Date?
        var bytes: Int?
        var metrics: [String: Double]
        var items: [String]
        var status: String
        var problem: String?
        /// Format 2 steps: how many processes wrote the step.
        var processes: Int?
        var formatVersion: Int?

        enum CodingKeys: String, CodingKey {
            case step, time, bytes, metrics, items, status, problem, processes, formatVersion = "format_version"
        }
    }

    func run() async throws {
        try await Terminal.failing {
            let url = URL(fileURLWithPath: directory)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CheckpointError.io(FileIOError(path: url.path, operation: "list checkpoints", reason: "no such directory"))
            }
            let run = CheckpointDirectory(url: url)
            let rows = try run.entries().map { entry in
                Row(step: entry.step, time: entry.metadata?.time, bytes: try entry.metadata.map { try Self.totalBytes($0, of: entry) },
                    metrics: entry.metadata?.metrics ?? [:], items: entry.metadata?.items.keys.sorted() ?? [],
                    status: entry.isComplete ? "complete" : "incomplete", problem: entry.problem,
                    processes: entry.metadata?.processCount, formatVersion: entry.metadata?.formatVersion)
            }
            if output.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                let listing = Listing(directory: url.path, steps: rows, leftovers: try run.leftovers().map(\.lastPathComponent))
                print(String(decoding: try encoder.encode(listing), as: UTF8.self))
                return
            }
            print("\(url.path): \(rows.filter { $0.status == "complete" }.count) complete step(s)")
            var table = TextTable(headers: ["step", "time", "size", "processes", "metrics", "items", "status"],
                                  rightAligned: [0, 2, 3])
            let formatter = ISO8601DateFormatter()
            for row in rows {
                let metrics = row.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.6g", $0.value))" }
                table.add([String(row.step), row.time.map { formatter.string(from: $0) } ?? "-",
                           row.bytes.map(ByteCount.text) ?? "-", row.processes.map(String.init) ?? "-",
                           metrics.joined(separator: " "),
                           row.items.joined(separator: ","), row.problem.map { "incomplete: \($0)" } ?? row.status])
            }
            print(table.render())
            let leftovers = try run.leftovers()
            if !leftovers.isEmpty {
                print("\(leftovers.count) temporary director\(leftovers.count == 1 ? "y" : "ies") from interrupted saves "
                      + "(removed by the next CheckpointManager): " + leftovers.map(\.lastPathComponent).joined(separator: ", "))
            }
        }
    }

    /// The step's file sizes added with checked arithmetic: `checkpoint.json` is
    /// input, and sizes that are negative or sum past `Int.max` are a corrupt
    /// file named as such, not a crash (`CheckpointMetadata.totalBytes` only says `nil`).
    static func totalBytes(_ metadata: CheckpointMetadata, of entry: CheckpointDirectory.Entry) throws(CheckpointError) -> Int {
        var total = 0
        for (name, record) in metadata.files.sorted(by: { $0.key < $1.key }) {
            let (sum, overflow) = total.addingReportingOverflow(record.bytes)
            guard record.bytes >= 0, !overflow else {
                throw .corrupt(path: entry.url.appendingPathComponent(CheckpointMetadata.fileName).path,
                               reason: "the size \(record.bytes) listed for \"\(name)\" is impossible "
                                   + (overflow ? "(the sizes add up to more than \(Int.max) bytes)" : "(negative)"))
            }
            total = sum
        }
        return total
    }

    struct Listing: Codable {
        var directory: String
        var steps: [Row]
        var leftovers: [String]
    }
}
