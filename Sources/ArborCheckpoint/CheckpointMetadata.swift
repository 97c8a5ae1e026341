import Foundation

/// The contents of `checkpoint.json`, the file written last in a step directory.
///
/// A step directory counts as complete only when this file exists and parses, so
/// a crash during a save can never produce a step that looks restorable. It lists
/// every other file with its size and SHA-256 so `verify` can find bit rot.
public struct CheckpointMetadata: Codable, Sendable, Equatable {
    /// What kind of payload an item holds.
    public enum ItemKind: String, Codable, Sendable {
        /// A `State` tree: `tree.json` plus safetensors data files.
        case state
        /// A JSON-encodable value (config, data-loader position, metrics history).
        case json
    }

    /// One named item of the step.
    public struct Item: Codable, Sendable, Equatable {
        /// The payload kind.
        public var kind: ItemKind
        /// Files of the item, relative to the step directory.
        public var files: [String]

        /// An item of `kind` stored in `files`.
        public init(kind: ItemKind, files: [String]) {
            self.kind = kind
            self.files = files
        }
    }

    /// Size and checksum of one file.
    public struct FileRecord: Codable, Sendable, Equatable {
        /// Size in bytes.
        public var bytes: Int
        /// Lower-case hex SHA-256 of the file's bytes.
        public var sha256: String

        /// A record for a file of `bytes` bytes with digest `sha256`.
        public init(bytes: Int, sha256: String) {
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// Identifies the file as an Arbor checkpoint.
    public var format: String = CheckpointMetadata.formatName
    /// Version of the on-disk layout (see docs/checkpoint-format.md).
    public var formatVersion: Int = 1
    /// The training step saved.
    public var step: Int
    /// When the save was started, in UTC.
    public var time: Date
    /// Metrics given to `save`, used by best-M retention and `arbor checkpoints`.
    public var metrics: [String: Double]
    /// The items, by name.
    public var items: [String: Item]
    /// Free-form user metadata.
    public var metadata: [String: String]
    /// Every file of the step except this one, by path relative to the step directory.
    public var files: [String: FileRecord]

    /// The value of `format` in every Arbor checkpoint.
    public static let formatName = "arbor-checkpoint"
    /// The newest layout version this build reads. Saves of an unsharded
    /// state by one process still write version 1; sharded or multi-process
    /// saves write 2 (see docs/checkpoint-format.md).
    public static let currentFormatVersion = 2
    /// The file's name in a step directory.
    public static let fileName = "checkpoint.json"

    /// Metadata for a step.
    public init(step: Int, time: Date, metrics: [String: Double], items: [String: Item],
                metadata: [String: String], files: [String: FileRecord]) {
        self.step = step
        self.time = time
        self.metrics = metrics
        self.items = items
        self.metadata = metadata
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", step, time, metrics, items, metadata, files
    }

    /// Total bytes of the step's files (excluding `checkpoint.json`), or `nil`
    /// when a listed size is negative or the sizes add up past `Int.max`: the
    /// file is input, and a hostile one must not trap.
    public var totalBytes: Int? {
        var total = 0
        for record in files.values {
            let (sum, overflow) = total.addingReportingOverflow(record.bytes)
            guard record.bytes >= 0, !overflow else { return nil }
            total = sum
        }
        return total
    }

    /// Stable, human-readable JSON (sorted keys; NaN and infinities as strings).
    public func encoded() throws -> Data {
        try CheckpointMetadata.encoder.encode(self)
    }

    /// Parses `checkpoint.json` bytes; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws(CheckpointError) -> CheckpointMetadata {
        let value: CheckpointMetadata
        do {
            value = try decoder.decode(CheckpointMetadata.self, from: data)
        } catch {
            throw .corrupt(path: path, reason: "not a valid \(fileName): \(error)")
        }
        guard value.format == formatName else {
            throw .corrupt(path: path, reason: "format is \"\(value.format)\", expected \"\(formatName)\"")
        }
        guard value.formatVersion <= currentFormatVersion else {
            throw .unsupportedVersion(path: path, version: value.formatVersion, supported: currentFormatVersion)
        }
        return value
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
