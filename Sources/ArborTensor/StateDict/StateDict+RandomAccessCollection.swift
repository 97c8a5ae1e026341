/// Iterated in order as `(name, tensor)` pairs, indexed by position.
extension StateDict: RandomAccessCollection {
    /// The first position.
    public var startIndex: Int { entries.startIndex }
    /// One past the last position.
    public var endIndex: Int { entries.endIndex }
    /// The entry at `position`.
    public subscript(position: Int) -> Element { entries[position] }
}
