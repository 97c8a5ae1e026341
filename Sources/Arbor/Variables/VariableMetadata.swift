/// What Arbor knows about a variable besides its value: an optional sharding
/// spec and free-form string entries (names, initializer notes, PyTorch names…).
///
/// Metadata travels with the value in `VariableState`, so a `State.map` can
/// read and change it, and checkpoints store it.
public struct VariableMetadata: Hashable, Codable, Sendable {
    /// How the value is split over a device mesh, if at all.
    public var sharding: ShardingSpec?
    /// Free-form entries, sorted by key when printed or saved.
    public var entries: [String: String]

    /// Metadata with the given sharding and entries (both empty by default).
    public init(sharding: ShardingSpec? = nil, entries: [String: String] = [:]) {
        self.sharding = sharding
        self.entries = entries
    }

    /// Whether there is neither a sharding spec nor any entry.
    public var isEmpty: Bool { sharding == nil && entries.isEmpty }

    /// One entry by key.
    public subscript(key: String) -> String? {
        get { entries[key] }
        set { entries[key] = newValue }
    }
}

extension VariableMetadata: CustomStringConvertible {
    /// `sharding=(data, _) note=x`, entries sorted; empty text when empty.
    public var description: String {
        var parts: [String] = []
        if let sharding { parts.append("sharding=\(sharding)") }
        // Each key comes from `entries` itself: the lookup cannot miss.
        for key in entries.keys.sorted() { parts.append("\(key)=\(entries[key]!)") }
        return parts.joined(separator: " ")
    }
}
