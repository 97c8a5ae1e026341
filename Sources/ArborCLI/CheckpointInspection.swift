import Arbor
import ArborCheckpoint
import Foundation

/// What `arbor inspect` shows for an Arbor checkpoint (a step directory, or
/// the latest step of a run directory): every State item's leaves with their
/// global shapes, the sharding they were saved with, where each region is
/// stored and which process wrote it.
struct CheckpointInspection: Codable {
    struct Region: Codable {
        var box: [[Int]]
        var file: String
        var tensor: String
        var process: Int?
    }

    struct Leaf: Codable {
        var path: String
        var kind: String
        var dtype: String
        var shape: [Int]
        var sharding: String?
        var mesh: [String: Int]?
        var aliasOf: String?
        var regions: [Region]

        enum CodingKeys: String, CodingKey {
            case path, kind, dtype, shape, sharding, mesh, aliasOf = "alias_of", regions
        }
    }

    struct Item: Codable {
        var kind: String
        var leaves: [Leaf]?
    }

    struct File: Codable {
        var bytes: Int
        var process: Int?
    }

    var path: String
    var step: Int
    var formatVersion: Int
    var processes: Int
    var items: [String: Item]
    var files: [String: File]

    enum CodingKeys: String, CodingKey {
        case path, step, formatVersion = "format_version", processes, items, files
    }

    /// The inspection of the checkpoint at `url`, or `nil` when `url` is neither a
    /// checkpoint nor a run directory.
    static func make(url: URL) throws -> CheckpointInspection? {
        var stepURL = url
        if !CheckpointDirectory.isStep(url) {
            guard CheckpointDirectory.isRun(url) else { return nil }
            let run = CheckpointDirectory(url: url)
            guard let latest = try run.latestStep() else { throw CheckpointError.noCheckpoints(directory: url.path) }
            stepURL = try run.completeEntry(step: latest).url
        }
        let checkpoint = try Checkpoint(url: stepURL)
        let writers = checkpoint.metadata.fileWriters
        var items: [String: Item] = [:]
        for name in checkpoint.itemNames {
            guard checkpoint.metadata.items[name]?.kind == .state else {
                items[name] = Item(kind: "json", leaves: nil)
                continue
            }
            let leaves = try checkpoint.layout(name).map { leaf in
                Leaf(path: leaf.path.description, kind: leaf.kind, dtype: leaf.dtype, shape: leaf.shape,
                     sharding: leaf.spec?.description,
                     mesh: leaf.meshAxes.isEmpty ? nil : Dictionary(leaf.meshAxes.map { ($0.name, $0.size) }) { a, _ in a },
                     aliasOf: leaf.aliasOf?.description,
                     regions: leaf.regions.map { region in
                         Region(box: region.box.ranges.map { [$0.lowerBound, $0.upperBound] }, file: region.file,
                                tensor: region.tensor, process: region.process)
                     })
            }
            items[name] = Item(kind: "state", leaves: leaves)
        }
        let files = checkpoint.metadata.files.mapValues { File(bytes: $0.bytes, process: nil) }
            .reduce(into: [String: File]()) { result, entry in
                result[entry.key] = File(bytes: entry.value.bytes, process: writers[entry.key])
            }
        return CheckpointInspection(path: stepURL.path, step: checkpoint.step, formatVersion: checkpoint.metadata.formatVersion,
                                    processes: checkpoint.processCount, items: items, files: files)
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func tableText() -> String {
        let writers = processes > 1 ? "written by \(processes) processes" : "written by one process"
        var lines = ["\(path): checkpoint step \(step), format \(formatVersion), \(writers)"]
        for name in items.keys.sorted() {
            guard let item = items[name], let leaves = item.leaves else {
                lines.append("item \(name): JSON")
                continue
            }
            lines.append("item \(name): \(leaves.count) leaves")
            var table = TextTable(headers: ["path", "kind", "dtype", "global shape", "sharding", "stored regions"],
                                  rightAligned: [])
            for leaf in leaves {
                // Keys come from `axes` itself: the lookup cannot miss.
                let mesh = leaf.mesh.map { axes in " over " + axes.keys.sorted().map { "\($0)=\(axes[$0]!)" }.joined(separator: ",") } ?? ""
                let regions = leaf.aliasOf.map { "alias of \($0)" } ?? leaf.regions.map { region in
                    let box = "[" + region.box.map { "\($0[0])..<\($0[1])" }.joined(separator: ", ") + "]"
                    return region.process.map { "p\($0) \(box)" } ?? box
                }.joined(separator: "; ")
                table.add([leaf.path, leaf.kind, leaf.dtype, "[" + leaf.shape.map(String.init).joined(separator: ", ") + "]",
                           (leaf.sharding ?? "-") + mesh, regions.isEmpty ? "-" : regions])
            }
            lines.append(table.render())
        }
        let byProcess = Dictionary(grouping: files.filter { $0.value.process != nil }) { $0.value.process ?? 0 }
        for process in byProcess.keys.sorted() {
            let owned = (byProcess[process] ?? []).sorted { $0.key < $1.key }
            lines.append("process \(process) wrote " + owned.map { "\($0.key) (\(ByteCount.text($0.value.bytes)))" }
                .joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
