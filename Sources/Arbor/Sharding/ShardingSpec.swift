/// How a variable's dimensions are laid out over a device mesh: per dimension,
/// one mesh axis, several mesh axes (split over their product, first axis
/// major), or replicated.
///
/// ```swift
/// let spec: ShardingSpec = ["fsdp", nil]           // rows over "fsdp", columns replicated
/// let both: ShardingSpec = [["data", "fsdp"], nil] // rows over data × fsdp
/// ShardingSpec(["data", nil])                      // the same as a `[String?]`
/// ```
///
/// A spec may be shorter than the tensor's rank: missing trailing dimensions
/// are replicated (as in JAX's `PartitionSpec`).
public struct ShardingSpec: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// How one dimension is laid out.
    public enum Dimension: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
        /// Every device holds the whole dimension.
        case replicated
        /// Split over these mesh axes (one or more; the first is the major one).
        case axes([String])

        /// One axis: `"fsdp"`.
        public init(stringLiteral value: String) { self = .axes([value]) }
        /// Several axes: `["data", "fsdp"]` (an empty list is replicated).
        public init(arrayLiteral elements: String...) { self = elements.isEmpty ? .replicated : .axes(elements) }

        /// The axis names this dimension is split over (empty when replicated).
        public var axisNames: [String] {
            switch self {
            case .replicated: []
            case .axes(let names): names
            }
        }
    }

    /// One entry per tensor dimension (trailing dimensions past the end are replicated).
    public var dimensions: [Dimension]

    /// A spec with one mesh-axis name (or `nil`, replicated) per dimension.
    public init(_ axes: [String?]) { dimensions = axes.map { $0.map { .axes([$0]) } ?? .replicated } }

    /// A spec from dimensions.
    public init(dimensions: [Dimension]) {
        self.dimensions = dimensions.map { $0.axisNames.isEmpty ? .replicated : $0 }
    }

    /// `["fsdp", nil]`, `[["data", "fsdp"], nil]`.
    public init(arrayLiteral elements: Dimension?...) { self.init(dimensions: elements.map { $0 ?? .replicated }) }

    /// Every axis name used, in order of appearance.
    public var axisNames: [String] { dimensions.flatMap(\.axisNames) }

    /// Whether no dimension is split.
    public var isReplicated: Bool { axisNames.isEmpty }

    /// `(data, _)`; several axes print as `(data, fsdp)` in parentheses.
    public var description: String {
        "(" + dimensions.map { dimension in
            switch dimension {
            case .replicated: "_"
            case .axes(let names) where names.count == 1: names[0]
            case .axes(let names): "(" + names.joined(separator: ", ") + ")"
            }
        }.joined(separator: ", ") + ")"
    }
}

extension ShardingSpec: Codable {
    private enum CodingKeys: String, CodingKey { case axes }

    /// Encodes `{"axes": ["data", null, ["a", "b"]]}`: a single axis as a
    /// string and replicated as `null`, exactly as before several axes per
    /// dimension existed, so older readers still read single-axis specs.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list = container.nestedUnkeyedContainer(forKey: .axes)
        for dimension in dimensions {
            switch dimension {
            case .replicated: try list.encodeNil()
            case .axes(let names) where names.count == 1: try list.encode(names[0])
            case .axes(let names): try list.encode(names)
            }
        }
    }

    /// Reads both the old form (a string or `null` per dimension) and lists of names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .axes)
        var dimensions: [Dimension] = []
        while !list.isAtEnd {
            if try list.decodeNil() {
                dimensions.append(.replicated)
            } else if let name = try? list.decode(String.self) {
                dimensions.append(.axes([name]))
            } else {
                dimensions.append(.axes(try list.decode([String].self)))
            }
        }
        self.init(dimensions: dimensions)
    }
}
