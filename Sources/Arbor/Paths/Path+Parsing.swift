/// Why a string could not be read as a `Path`.
public enum PathParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two separators in a row, or one at either end.
    case emptyKey(in: String)

    /// The message a user reads: the text and what is wrong with it.
    public var description: String {
        switch self {
        case .emptyKey(let text): "cannot read \"\(text)\" as a path: it has an empty key"
        }
    }
}

extension Path {
    /// Reads `layers/0/bias` or `layers.0.bias`.
    ///
    /// Without a target there is no way to know whether `0` was an array index or
    /// a string key; this initializer reads canonical decimal integers as
    /// `.index`. Use `Path.resolve(_:separator:in:)` when the intended paths are
    /// known: it decides index or name by what they hold.
    /// When `separator` is `nil`, `/` is used if the text contains one, else `.`.
    public init(parsing text: String, separator: Character? = nil) throws(PathParseError) {
        let parts = try Path.segments(of: text, separator: separator)
        self.init(parts.map { PathKey.name($0).numericIndex ?? .name($0) })
    }

    /// Reads `text` and returns the path in `targets` it spells, deciding at each
    /// key whether a digit string is an index or a name by what the targets hold;
    /// `nil` when none matches. An exact match wins over a type conversion, so a
    /// tree whose keys really are the strings "0" and "1" resolves to them.
    public static func resolve(
        _ text: String, separator: Character? = nil, in targets: some Sequence<Path>
    ) -> Path? {
        guard let parts = try? segments(of: text, separator: separator) else { return nil }
        var best: Path?
        var bestConversions = Int.max
        for target in targets where target.count == parts.count {
            var conversions = 0
            var matches = true
            for (key, part) in zip(target.keys, parts) {
                switch key {
                case .name(let name): if name != part { matches = false }
                case .index: if key.text != part { matches = false } else { conversions += 1 }
                }
                if !matches { break }
            }
            if matches && conversions < bestConversions {
                best = target
                bestConversions = conversions
            }
        }
        return best
    }

    static func segments(of text: String, separator: Character?) throws(PathParseError) -> [String] {
        if text.isEmpty { return [] }
        let sep = separator ?? (text.contains("/") ? "/" : ".")
        let parts = text.split(separator: sep, omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else { throw .emptyKey(in: text) }
        return parts
    }
}
