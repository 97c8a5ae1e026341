import Arbor
import Foundation

/// One named payload of a checkpoint step.
///
/// A step holds any number of items — parameters, optimizer state, RNG state as
/// `State` trees; configuration, metrics history or a data-loader position as
/// JSON — each in its own subdirectory, restored independently.
public enum CheckpointItem: Sendable {
    /// A `State` tree, stored as `tree.json` plus safetensors data files.
    case state(State)
    /// JSON bytes, stored as `value.json`.
    case json(Data)

    /// A JSON item from any `Encodable` value (sorted keys, so saves are
    /// reproducible).
    public static func json<T: Encodable>(encoding value: T) throws(CheckpointError) -> CheckpointItem {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { return .json(try encoder.encode(value)) } catch {
            throw .json(file: jsonFileName, reason: "\(T.self): \(error)")
        }
    }

    /// File name of a JSON item's payload.
    static let jsonFileName = "value.json"

    /// Whether `name` can be used as an item (it becomes a directory name).
    static func validate(name: String) throws(CheckpointError) {
        let allowed = name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_-.".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, allowed, !name.hasPrefix("."), name != CheckpointMetadata.fileName else {
            throw .invalidItemName(name)
        }
    }

    /// Whether a leaf is split over a mesh (saved in format 2).
    var hasShardedLeaves: Bool {
        guard case .state(let state) = self else { return false }
        return state.leaves.contains { $0.sharded != nil }
    }

    var kind: CheckpointMetadata.ItemKind {
        switch self {
        case .state: .state
        case .json: .json
        }
    }
}
