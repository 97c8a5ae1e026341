extension StateDict: Equatable {
    /// Same names (byte for byte) with equal tensors, in the same order.
    public static func == (lhs: StateDict, rhs: StateDict) -> Bool {
        lhs.count == rhs.count && zip(lhs.entries, rhs.entries).allSatisfy { a, b in
            ExactName(a.name) == ExactName(b.name) && a.tensor == b.tensor
        }
    }
}
