import ArborTensor
import Foundation

/// The contents of a Hugging Face `*.safetensors.index.json`: which shard file
/// holds each tensor, plus free-form metadata (usually `total_size`).
public struct ShardIndex: Sendable, Equatable {
    /// Tensor name to shard file name (relative to the index's directory), sorted
    /// by tensor name.
    public var weightMap: [(name: String, file: String)]
    /// The `metadata` object with every value as text (`total_size` as digits).
    public var metadata: [String: String]
    /// `metadata.total_size` when present and an integer.
    public var totalSize: Int?

    /// Equal when the metadata and the weight map (names compared by exact bytes, in order) are.
    public static func == (lhs: ShardIndex, rhs: ShardIndex) -> Bool {
        lhs.metadata == rhs.metadata && lhs.totalSize == rhs.totalSize
            && lhs.weightMap.elementsEqual(rhs.weightMap) { $0.name == $1.name && $0.file == $1.file }
    }

    /// Parses index JSON. `file` names the index in errors. A name mapped twice is
    /// an error naming both shard files; a shard path that is absolute or leaves
    /// the directory (`..`) is refused.
    public init(json bytes: [UInt8], file: String) throws(SafeTensorsError) {
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBytes { (raw) throws(SafeTensorsError) -> JSONValue in
                if let offset = UTF8Validation.firstInvalidOffset(in: raw) {
                    throw .invalidIndex(file: file, reason: "not UTF-8 (at byte \(offset))")
                }
                var scanner = JSONScanner(raw)
                do throws(JSONScanner.Failure) {
                    let value = try scanner.scanValue()
                    try scanner.expectEnd()
                    return value
                } catch {
                    throw .invalidIndex(file: file, reason: "not valid JSON: \(error.reason) at byte \(error.offset)")
                }
            }
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw .invalidIndex(file: file, reason: "\(error)")
        }
        guard case let .object(members) = value else {
            throw .invalidIndex(file: file, reason: "must be a JSON object, found \(value.kind)")
        }
        var map: [ExactName: (name: String, file: String)] = [:]
        var metadata: [String: String] = [:]
        var totalSize: Int?
        var sawWeightMap = false
        for (key, member) in members {
            switch key {
            case "weight_map":
                guard case let .object(entries) = member else {
                    throw .invalidIndex(file: file, reason: "\"weight_map\" must be an object, found \(member.kind)")
                }
                sawWeightMap = true
                for (name, target) in entries {
                    guard case let .string(shard) = target else {
                        throw .invalidIndex(file: file, reason: "weight_map[\(quoted(name))] must be a file name, found \(target.kind)")
                    }
                    guard !shard.isEmpty, !shard.hasPrefix("/"), !shard.split(separator: "/").contains("..") else {
                        throw .invalidIndex(file: file, reason: "weight_map[\(quoted(name))] = \(quoted(shard)) is not a file beside the index")
                    }
                    if let previous = map[ExactName(name)] {
                        throw .tensorListedTwice(tensor: name, firstFile: previous.file, secondFile: shard)
                    }
                    map[ExactName(name)] = (name, shard)
                }
            case "metadata":
                guard case let .object(entries) = member else {
                    if member == .null { continue }
                    throw .invalidIndex(file: file, reason: "\"metadata\" must be an object, found \(member.kind)")
                }
                for (name, item) in entries {
                    switch item {
                    case let .string(text): metadata[name] = text
                    case let .unsigned(number): metadata[name] = String(number)
                    case let .negative(number): metadata[name] = String(number)
                    case let .float(number): metadata[name] = String(number)
                    case let .bool(flag): metadata[name] = String(flag)
                    default: metadata[name] = item.kind
                    }
                    if name == "total_size", case let .unsigned(number) = item, number <= UInt64(Int.max) {
                        totalSize = Int(number)
                    }
                }
            default:
                continue
            }
        }
        guard sawWeightMap else { throw .invalidIndex(file: file, reason: "no \"weight_map\" object") }
        self.weightMap = map.values.sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
        self.metadata = metadata
        self.totalSize = totalSize
    }
}
