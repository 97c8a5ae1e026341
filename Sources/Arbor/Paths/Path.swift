/// The location of a variable in a model or a `State`: a sequence of typed keys.
///
/// A path prints as `layers/0/bias` (`description`) or, PyTorch style,
/// `layers.0.bias` (`dotted`). Paths sort key by key (see `PathKey`), a prefix
/// before its extensions, so a sorted list of paths is a depth-first walk of the
/// tree. Encoded with `Codable` a path is an array of strings and integers, so
/// the key types survive a JSON round trip.
///
/// ```swift
/// let path: Path = ["layers", 0, "bias"]
/// path.description   // "layers/0/bias"
/// path.dotted        // "layers.0.bias"
/// ```
public struct Path: Hashable, Sendable {
    /// The keys, outermost first.
    public var keys: [PathKey]

    /// A path of `keys`.
    public init(_ keys: [PathKey]) { self.keys = keys }

    /// The empty path (the root).
    public static let root = Path([])

    /// This path with `key` added at the end.
    public func appending(_ key: PathKey) -> Path {
        var copy = keys
        copy.append(key)
        return Path(copy)
    }

    /// This path followed by `other`.
    public func appending(_ other: Path) -> Path { Path(keys + other.keys) }

    /// Whether `prefix` is this path or an ancestor of it.
    public func hasPrefix(_ prefix: Path) -> Bool {
        prefix.keys.count <= keys.count && keys.starts(with: prefix.keys)
    }

    /// The keys after `prefix` (which must be a prefix of this path).
    public func dropping(prefix: Path) -> Path {
        precondition(hasPrefix(prefix), "Path.dropping(prefix:): \(prefix) is not a prefix of \(self)")
        return Path(Array(keys.dropFirst(prefix.keys.count)))
    }

    /// The same keys, each turned into a string key (what JSON/Orbax do to int keys).
    public var stringified: Path { Path(keys.map(\.stringified)) }

    /// Keys joined with `/`: `layers/0/bias`. The root prints as `<root>`.
    public func joined(separator: String) -> String {
        keys.isEmpty ? "<root>" : keys.map(\.text).joined(separator: separator)
    }

    /// Keys joined with `.`, as PyTorch state dicts name tensors: `layers.0.bias`.
    public var dotted: String { joined(separator: ".") }
}

extension Path: RandomAccessCollection {
    /// The first key's position (a path is a collection of keys).
    public var startIndex: Int { keys.startIndex }
    /// One past the last key's position.
    public var endIndex: Int { keys.endIndex }
    /// The key at `position`.
    public subscript(position: Int) -> PathKey { keys[position] }
}

extension Path: Comparable {
    /// Key by key; a path sorts before its extensions.
    public static func < (lhs: Path, rhs: Path) -> Bool {
        let a = lhs.keys, b = rhs.keys
        let n = Swift.min(a.count, b.count)
        var i = 0
        while i < n {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }
}

extension Path: ExpressibleByArrayLiteral {
    /// `["layers", 0, "bias"]`.
    public init(arrayLiteral elements: PathKey...) { self.init(elements) }
}

extension Path: CustomStringConvertible {
    /// `layers/0/bias`.
    public var description: String { joined(separator: "/") }
}

extension Path: Codable {
    /// An array of keys: `["layers", 0, "bias"]`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(keys)
    }

    /// Reads an array of strings and integers.
    public init(from decoder: any Decoder) throws {
        keys = try decoder.singleValueContainer().decode([PathKey].self)
    }
}
