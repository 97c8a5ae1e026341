/// Named tensors in order, each name once: the value that crosses between
/// Arbor and other frameworks (PyTorch's `state_dict()`, a safetensors file,
/// a Hugging Face checkpoint). Names are compared by their exact UTF-8 bytes,
/// as safetensors compares them.
///
/// It iterates as `(name, tensor)` pairs in order, and looks tensors up by name:
///
/// ```swift
/// var dict = try StateDict([(name: "w", tensor: weight), (name: "b", tensor: bias)])
/// for (name, tensor) in dict { print(name, tensor.shape) }
/// dict["b"] = newBias                     // replaces in place, keeps the order
/// let literal: StateDict = ["w": weight, "b": bias]  // a literal keeps its order too
/// ```
///
/// `Arbor` adds `StateDict.export(model)`; `SafeTensors` reads and writes one.
public struct StateDict: Sendable {
    /// One entry: a name and its tensor.
    public typealias Element = (name: String, tensor: Tensor)

    private(set) var entries: [Element]
    private var positions: [ExactName: Int]

    /// An empty state dict.
    public init() {
        entries = []
        positions = [:]
    }

    /// The pairs in their order; a repeated name throws, naming it.
    public init(_ pairs: some Sequence<Element>) throws(StateDictError) {
        self.init()
        for (name, tensor) in pairs { try append(name: name, tensor: tensor) }
    }

    /// A dictionary's tensors, ordered by name (a dictionary has no order of its own).
    public init(_ tensors: [String: Tensor]) {
        self.init(uniqueEntries: tensors.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) })
    }

    /// Entries already known to have unique names (a subset or reordering of a state dict's).
    private init(uniqueEntries: [Element]) {
        entries = uniqueEntries
        positions = Dictionary(uniqueEntries.enumerated().map { (ExactName($1.name), $0) },
                               uniquingKeysWith: { first, _ in first })
    }

    /// The names in order.
    public var names: [String] { entries.map(\.name) }

    /// Total bytes of tensor data.
    public var byteCount: Int { entries.reduce(0) { $0 + $1.tensor.byteCount } }

    /// The tensor named `name`; setting replaces it in place, adds it at the
    /// end when new, and removes it when `nil`.
    public subscript(name: String) -> Tensor? {
        get { positions[ExactName(name)].map { entries[$0].tensor } }
        set {
            let key = ExactName(name)
            switch (positions[key], newValue) {
            case let (position?, tensor?):
                entries[position].tensor = tensor
            case let (nil, tensor?):
                positions[key] = entries.count
                entries.append((name, tensor))
            case let (position?, nil):
                entries.remove(at: position)
                positions[key] = nil
                for later in position..<entries.count { positions[ExactName(entries[later].name)] = later }
            case (nil, nil):
                break
            }
        }
    }

    /// Adds `tensor` at the end; a name already present throws.
    public mutating func append(name: String, tensor: Tensor) throws(StateDictError) {
        let key = ExactName(name)
        guard positions[key] == nil else { throw .duplicateName(name) }
        positions[key] = entries.count
        entries.append((name, tensor))
    }

    /// Replaces the tensor at `position`, keeping its name.
    public mutating func setTensor(_ tensor: Tensor, at position: Int) {
        entries[position].tensor = tensor
    }

    /// The entries for which `isIncluded` is true, in order (still a state dict).
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> StateDict {
        StateDict(uniqueEntries: try entries.filter(isIncluded))
    }

    /// The same entries reordered (still a state dict).
    public func sorted(by areInIncreasingOrder: (Element, Element) throws -> Bool) rethrows -> StateDict {
        StateDict(uniqueEntries: try entries.sorted(by: areInIncreasingOrder))
    }

    /// The same names in the same order with each tensor transformed.
    public func mapTensors<E: Error>(_ transform: (Element) throws(E) -> Tensor) throws(E) -> StateDict {
        var result = self
        for position in entries.indices { result.entries[position].tensor = try transform(entries[position]) }
        return result
    }
}
