import Foundation

/// One step of a `Path`: a named field or an integer position.
///
/// The type of a key is part of its identity: `.index(0)` (the first element of
/// an array of layers) and `.name("0")` (a dictionary key that happens to be the
/// string "0") are different keys, sort differently, and survive every Arbor
/// serialisation as what they are. Keys sort integers first, numerically, then
/// names, so `layers/2` comes before `layers/10`.
///
/// ```swift
/// let path: Path = ["layers", 0, "bias"]   // literals pick the case
/// ```
public enum PathKey: Hashable, Sendable {
    /// A field or dictionary key.
    case name(String)
    /// An array position.
    case index(Int)

    /// The name, or `nil` for an index.
    public var name: String? {
        if case .name(let name) = self { return name }
        return nil
    }

    /// The index, or `nil` for a name.
    public var index: Int? {
        if case .index(let index) = self { return index }
        return nil
    }

    /// The key as text, the way every string-keyed format writes it (`"bias"`, `"0"`).
    public var text: String {
        switch self {
        case .name(let name): name
        case .index(let index): String(index)
        }
    }

    /// The key as a string-typed key (what a JSON or Orbax round trip turns it into).
    public var stringified: PathKey { .name(text) }

    /// `.index(n)` when this is a name spelling a decimal integer in canonical form
    /// (`"0"`, `"17"`, not `"007"` or `"+1"`); otherwise `nil`.
    public var numericIndex: PathKey? {
        guard case .name(let name) = self, let value = Int(name), String(value) == name, value >= 0 else {
            return nil
        }
        return .index(value)
    }
}

extension PathKey: Comparable {
    /// Integers before names; integers numerically; names by their Unicode scalars.
    public static func < (lhs: PathKey, rhs: PathKey) -> Bool {
        switch (lhs, rhs) {
        case (.index(let a), .index(let b)): a < b
        case (.index, .name): true
        case (.name, .index): false
        case (.name(let a), .name(let b)): PathKey.scalarsPrecede(a, b)
        }
    }

    /// `a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)`, computed on
    /// the UTF-8 bytes: UTF-8 keeps the order of scalar values, so one `memcmp`
    /// of native strings gives the same answer without decoding (sorting keys
    /// is on the path of every `Graph.split`).
    static func scalarsPrecede(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let common = Swift.min(x.count, y.count)
                if common > 0, let left = x.baseAddress, let right = y.baseAddress {
                    let order = memcmp(left, right, common)
                    if order != 0 { return order < 0 }
                }
                return x.count < y.count
            }
        }
        if let fast, let precedes = fast { return precedes }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

extension PathKey: Codable {
    /// A name encodes as a string and an index as an integer, so the key type
    /// survives JSON exactly.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .name(let name): try container.encode(name)
        case .index(let index): try container.encode(index)
        }
    }

    /// Reads an integer as `.index` and a string as `.name`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let index = try? container.decode(Int.self) {
            self = .index(index)
        } else {
            self = .name(try container.decode(String.self))
        }
    }
}

extension PathKey: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// `"bias"` is `.name("bias")`.
    public init(stringLiteral value: String) { self = .name(value) }
    /// `0` is `.index(0)`.
    public init(integerLiteral value: Int) { self = .index(value) }
}

extension PathKey: CustomStringConvertible {
    /// The key as it appears in a printed path.
    public var description: String { text }
}
