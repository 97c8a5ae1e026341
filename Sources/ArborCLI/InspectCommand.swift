import ArborInterop
import ArborTensor
import ArgumentParser
import Crypto
import Foundation
import SafeTensors

/// `arbor inspect PATH`: what is in a safetensors file, a sharded index or a
/// directory of them, PyTorch `.bin`/`.pt` state dicts (read without running
/// their pickles), or an Arbor checkpoint (its leaves, shardings and shards).
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the tensors of a .safetensors or PyTorch .bin/.pt file, an index JSON, a directory of them, or a checkpoint."
    )

    @Argument(help: "A .safetensors or .bin/.pt/.pth file, an index JSON, or a directory holding either.")
    var path: String

    @OptionGroup var output: OutputOptions

    @Flag(help: "Compute the SHA-256 of every tensor's raw bytes.")
    var checksums = false

    func run() async throws {
        try await Terminal.failing {
            if let checkpoint = try CheckpointInspection.make(url: URL(fileURLWithPath: path)) {
                return print(output.json ? try checkpoint.jsonText() : checkpoint.tableText())
            }
            let report = try Inspection.make(url: URL(fileURLWithPath: path), checksums: checksums)
            print(output.json ? try report.jsonText() : report.tableText())
        }
    }
}

/// What `arbor inspect` found, in the shape of its JSON output.
struct Inspection: Codable {
    struct File: Codable {
        var file: String
        var fileSize: Int
        var headerLen: Int
        var metadata: [String: String]?
        var tensorCount: Int
        enum CodingKeys: String, CodingKey {
            case file, fileSize = "file_size", headerLen = "header_len", metadata, tensorCount = "tensor_count"
        }
    }

    struct Entry: Codable {
        var name: String
        var dtype: String
        var shape: [Int]
        var nbytes: Int
        var dataOffsets: [Int]
        var file: String
        var sha256: String?
        enum CodingKeys: String, CodingKey {
            case name, dtype, shape, nbytes, dataOffsets = "data_offsets", file, sha256
        }
    }

    var path: String
    var index: String?
    var metadata: [String: String]?
    var files: [File]
    var tensors: [Entry]
    var tensorCount: Int
    var totalBytes: Int

    enum CodingKeys: String, CodingKey {
        case path, index, metadata, files, tensors, tensorCount = "tensor_count", totalBytes = "total_bytes"
    }

    /// Reads headers (and, with `checksums`, every tensor's bytes) of `url`.
    static func make(url: URL, checksums: Bool) throws -> Inspection {
        if PyTorchCollection.recognises(url) {
            return try make(pytorch: try PyTorchCollection.open(url), url: url, checksums: checksums)
        }
        let collection = try SafeTensorsCollection.open(url)
        var files: [File] = []
        var tensors: [Entry] = []
        var opened: [SafeTensorsFile] = []
        for index in collection.shardURLs.indices {
            let shard = try collection.shard(at: index)
            opened.append(shard)
            files.append(File(file: shard.url.path, fileSize: shard.fileSize, headerLen: shard.headerLength,
                              metadata: shard.metadata, tensorCount: shard.tensors.count))
        }
        if collection.indexURL != nil { try collection.verify() }
        // Sizes of files that exist (each header is validated against its file's size): no overflow.
        let totalBytes = opened.reduce(0) { $0 + $1.tensors.reduce(0) { $0 + $1.byteCount } }
        let progress = ProgressBar("hashing", total: checksums ? totalBytes : 0)
        for shard in opened {
            for info in shard.tensors {
                var digest: String?
                if checksums {
                    // Read with pread in chunks: a file truncated meanwhile is an error, not a SIGBUS.
                    var hasher = SHA256()
                    try shard.forEachChunk(of: info) { hasher.update(bufferPointer: $0) }
                    digest = hex(hasher.finalize())
                    progress.advance(by: info.byteCount)
                }
                tensors.append(Entry(name: info.name, dtype: info.dtype.safetensorsName, shape: info.shape,
                                     nbytes: info.byteCount, dataOffsets: [info.dataOffsets.lowerBound, info.dataOffsets.upperBound],
                                     file: shard.url.lastPathComponent, sha256: digest))
            }
        }
        progress.finish()
        return Inspection(path: url.path, index: collection.indexURL?.path, metadata: collection.metadata,
                          files: files, tensors: tensors, tensorCount: tensors.count, totalBytes: totalBytes)
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func tableText() -> String {
        var lines: [String] = []
        let fileCount = files.count == 1 ? "1 file" : "\(files.count) files"
        // Paths, names and metadata come from the files: escaped (see `Terminal.printable`).
        lines.append(Terminal.printable("\(path): \(tensorCount) tensors in \(fileCount), \(ByteCount.text(totalBytes)) of data"))
        if let metadata, !metadata.isEmpty {
            lines.append(Terminal.printable("metadata: "
                + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))
        }
        let showFile = files.count > 1
        var headers = ["name", "dtype", "shape", "bytes", "offsets"]
        if showFile { headers.append("file") }
        if tensors.contains(where: { $0.sha256 != nil }) { headers.append("sha256") }
        var table = TextTable(headers: headers, rightAligned: [3])
        for tensor in tensors {
            var row = [tensor.name, tensor.dtype, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]",
                       String(tensor.nbytes), "\(tensor.dataOffsets[0])..<\(tensor.dataOffsets[1])"]
            if showFile { row.append(tensor.file) }
            if let sha = tensor.sha256 { row.append(sha) }
            table.add(row)
        }
        lines.append(table.render())
        var dtypeTotals: [String: Int] = [:]
        for tensor in tensors { dtypeTotals[tensor.dtype, default: 0] += tensor.nbytes }
        lines.append("total: \(tensorCount) tensors, \(totalBytes) bytes ("
            + dtypeTotals.sorted { $0.key < $1.key }.map { "\($0.key) \(ByteCount.text($0.value))" }.joined(separator: ", ") + ")")
        return lines.joined(separator: "\n")
    }
}

/// Lower-case hex of a digest.
func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { byte in
        let text = String(byte, radix: 16)
        return byte < 16 ? "0" + text : text
    }.joined()
}
