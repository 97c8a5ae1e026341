extension StateDict: ExpressibleByDictionaryLiteral {
    /// A literal's entries in the order written. Like a `Dictionary` literal,
    /// a repeated name is a programming error and traps.
    public init(dictionaryLiteral elements: (String, Tensor)...) {
        do { try self.init(elements.map { (name: $0.0, tensor: $0.1) }) } catch {
            preconditionFailure("StateDict literal: \(error)")
        }
    }
}

extension StateDict: ExpressibleByArrayLiteral {
    /// A literal list of `(name, tensor)` pairs, in order; a repeated name traps
    /// (use `init(_:)` for pairs that come from data).
    public init(arrayLiteral elements: Element...) {
        do { try self.init(elements) } catch {
            preconditionFailure("StateDict literal: \(error)")
        }
    }
}
