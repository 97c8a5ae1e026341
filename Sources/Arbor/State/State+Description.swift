extension State: CustomStringConvertible {
    /// The state as an indented tree with each leaf's kind, dtype and shape,
    /// and a header with the leaf, element and byte counts:
    ///
    /// ```
    /// State: 4 variables, 24 elements, 96 B
    ///   layers
    ///     0
    ///       bias: Param F32 [2]
    ///       weight: Param F32 [2, 2]
    /// ```
    public var description: String {
        var lines = ["State: \(count) variable\(count == 1 ? "" : "s"), \(elementCount) elements, "
            + State.formatBytes(byteCount)]
        var previous: [PathKey] = []
        for (path, leaf) in zip(paths, leaves) {
            var common = 0
            while common < previous.count - 1, common < path.count - 1, previous[common] == path.keys[common] {
                common += 1
            }
            if path.count > 1 {
                for depth in common..<(path.count - 1) {
                    lines.append(String(repeating: "  ", count: depth + 1) + path.keys[depth].text)
                }
            }
            let name = path.last?.text ?? "<root>"
            lines.append(String(repeating: "  ", count: path.count) + "\(name): \(leaf)")
            previous = path.keys
        }
        return lines.joined(separator: "\n")
    }

    /// `512 B`, `1.5 KiB`, `2.0 GiB`.
    static func formatBytes(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        return String(Double((value * 10).rounded()) / 10) + " " + units[unit]
    }
}

/// How two states differ, path by path (see `State.diff(_:)`).
public struct StateDiff: Equatable, Sendable, CustomStringConvertible {
    /// What differs at a path present in both states.
    public struct Change: Equatable, Sendable {
        /// The path present in both states.
        public var path: Path
        /// Whether the variable kinds differ.
        public var kind: Bool
        /// Whether the shapes differ.
        public var shape: Bool
        /// Whether the dtypes differ.
        public var dtype: Bool
        /// Whether the bytes differ (same shape and dtype).
        public var value: Bool
        /// Whether the metadata (sharding spec, entries) differs.
        public var metadata: Bool
    }

    /// Paths only in the other state.
    public var added: [Path]
    /// Paths only in this state.
    public var removed: [Path]
    /// Paths in both whose leaves differ.
    public var changed: [Change]

    /// Whether the states are identical.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Added, removed and changed paths, one per line.
    public var description: String {
        if isEmpty { return "no differences" }
        var lines: [String] = []
        lines += added.map { "+ \($0)" }
        lines += removed.map { "- \($0)" }
        for change in changed {
            let what = [("kind", change.kind), ("shape", change.shape), ("dtype", change.dtype),
                        ("value", change.value), ("metadata", change.metadata)].filter(\.1).map(\.0)
            lines.append("~ \(change.path): \(what.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}

extension State {
    /// What changed from this state to `other`: added and removed paths, and per
    /// common path whether kind, shape, dtype, value (bitwise) or metadata differ.
    public func diff(_ other: State) -> StateDiff {
        var result = StateDiff(added: [], removed: [], changed: [])
        var i = 0, j = 0
        while i < paths.count || j < other.paths.count {
            if i < paths.count, j < other.paths.count, paths[i] == other.paths[j] {
                let a = leaves[i], b = other.leaves[j]
                let change = StateDiff.Change(
                    path: paths[i], kind: a.kind != b.kind, shape: a.shape != b.shape, dtype: a.dtype != b.dtype,
                    value: a.value != b.value, metadata: a.metadata != b.metadata)
                if change.kind || change.shape || change.dtype || change.value || change.metadata {
                    result.changed.append(change)
                }
                i += 1
                j += 1
            } else if j >= other.paths.count || (i < paths.count && paths[i] < other.paths[j]) {
                result.removed.append(paths[i])
                i += 1
            } else {
                result.added.append(other.paths[j])
                j += 1
            }
        }
        return result
    }
}
