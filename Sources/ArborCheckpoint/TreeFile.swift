import Arbor
import Foundation

/// The contents of an item's `tree.json`: the State's structure, which is what
/// makes a restore without a target faithful.
///
/// Paths are JSON arrays whose elements keep their type: `["layers", 0, "bias"]`
/// has an integer `0`, while a genuine string key stays `"0"`. Each leaf records
/// its variable kind, dtype, shape and metadata, and where its bytes are (a file
/// and a tensor name inside it), or which earlier leaf it shares bytes with.
package struct TreeFile: Codable, Sendable {
    /// One leaf of the State.
    struct Leaf: Codable, Sendable {
        var path: [PathKey]
        var kind: String
        var dtype: String
        var shape: [Int]
        var metadata: VariableMetadata?
        /// Data file (relative to the item directory) holding the bytes.
        var file: String?
        /// Tensor name inside `file`.
        var tensor: String?
        /// Path of an earlier leaf whose bytes this leaf shares.
        var aliasOf: [PathKey]?
        /// Format 2: how the leaf was laid out over a mesh when saved (absent
        /// for a leaf that was whole on every process).
        var sharding: SavedSharding?
        /// Format 2: where the leaf's bytes are, one entry per distinct region
        /// (a whole leaf is one region covering its shape). Replaces `file`/`tensor`.
        var shards: [SavedShard]?

        enum CodingKeys: String, CodingKey {
            case path, kind, dtype, shape, metadata, file, tensor, aliasOf = "alias_of", sharding, shards
        }
    }

    /// Layout version of this file.
    var formatVersion: Int = 1
    /// Leaves in path order.
    var leaves: [Leaf]

    /// Newest layout this build reads; single-process saves of unsharded
    /// states still write 1, sharded or multi-process saves write 2.
    static let currentFormatVersion = 2
    static let fileName = "tree.json"

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", leaves
    }
}
