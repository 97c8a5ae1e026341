/// A rectangular region of a global array: one half-open index range per dimension.
///
/// Shards are described by their box into the global array, so a shard can be
/// placed, gathered or cut again whatever sharding made it.
///
/// ```swift
/// let box = IndexBox([0..<2, 0..<4])   // rows 0 and 1 of a [4, 4] array
/// box.shape                            // [2, 4]
/// ```
public struct IndexBox: Hashable, Sendable, Codable, CustomStringConvertible {
    /// One range per dimension.
    public var ranges: [Range<Int>]

    /// A box from its ranges.
    public init(_ ranges: [Range<Int>]) { self.ranges = ranges }

    /// The whole of an array of `shape`.
    public init(covering shape: [Int]) { ranges = shape.map { 0..<$0 } }

    /// Number of dimensions.
    public var rank: Int { ranges.count }
    /// The extent in each dimension.
    public var shape: [Int] { ranges.map(\.count) }
    /// Number of elements covered.
    public var elementCount: Int { ranges.reduce(1) { $0 * $1.count } }

    /// The region both boxes cover (possibly empty), or `nil` when ranks differ.
    public func intersection(_ other: IndexBox) -> IndexBox? {
        guard rank == other.rank else { return nil }
        return IndexBox(zip(ranges, other.ranges).map { a, b in
            let lower = Swift.max(a.lowerBound, b.lowerBound)
            return lower..<Swift.max(lower, Swift.min(a.upperBound, b.upperBound))
        })
    }

    /// Whether `other` lies inside this box.
    public func contains(_ other: IndexBox) -> Bool {
        rank == other.rank && zip(ranges, other.ranges).allSatisfy { a, b in
            b.isEmpty || (a.lowerBound <= b.lowerBound && b.upperBound <= a.upperBound)
        }
    }

    /// `[0..<2, 0..<4]`.
    public var description: String { "[" + ranges.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ", ") + "]" }
}
