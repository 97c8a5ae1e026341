/// The structure of a model without its values: what `Graph.split` returns next
/// to the `State`, and what `Graph.merge` needs to build the model again.
///
/// A `GraphDef` records, for every module, its Swift type, its property keys and
/// its plain settings (numbers, strings, flags); for every variable, its kind,
/// shape and dtype; and which objects are reached by more than one path (tied
/// weights, a module passed twice). It holds no tensors and no live objects, so
/// it is `Sendable`, and it is `Hashable`: two structurally identical models have
/// equal GraphDefs, which makes it a good cache key for compiled steps.
///
/// ```swift
/// let (graphdef, state) = try Graph.split(model)
/// let copy = try Graph.merge(graphdef, state)     // a new MLP, same values
/// ```
public struct GraphDef<Root>: Hashable, Sendable {
    let root: FieldDef
    let objects: [ObjectDef]
    /// Canonical path of every object, by object id.
    let objectPaths: [Path]
    /// Leaf paths, sorted; index-aligned with `leaves`.
    let leafPaths: [Path]
    let leaves: [LeafDef]
    /// Second and later paths to shared objects, sorted by path.
    let aliases: [AliasDef]

    /// Number of variables (each shared variable counted once).
    public var variableCount: Int { leaves.count }

    /// The variable paths a state for this GraphDef must have, sorted.
    public var paths: [Path] { leafPaths }

    /// Each extra path to a shared module or variable, with the path the state
    /// keeps it under (its first path in sorted order).
    public var sharedPaths: [(alias: Path, original: Path)] {
        aliases.map { ($0.path, objectPaths[$0.object]) }
    }

    /// A state with the recorded kinds, shapes and dtypes and abstract values:
    /// the target to validate a restored state against.
    public var abstractState: State {
        State(sortedPaths: leafPaths, leaves: leaves.map {
            VariableState(kind: $0.kind, value: Tensor.abstract(shape: $0.shape, dtype: $0.dtype))
        })
    }

    /// How many root modules this GraphDef holds (1 for `split(model)`, n for
    /// `split(a, b, …)`).
    public var rootCount: Int { rootObjects.count }

    /// The object ids of the root modules, in order.
    var rootObjects: [Int] {
        switch root {
        case .object(let id): [id]
        case .unkeyed(let items): items.compactMap { if case .object(let id) = $0 { id } else { nil } }
        default: []
        }
    }

    /// The Swift type name of the root module (`"MLP"`), or of each root module
    /// for a GraphDef of several (`"(MLP, MLP)"`).
    public var typeName: String {
        switch root {
        case .object(let id): objectTypeName(id)
        case .unkeyed(let items):
            "(" + items.map { if case .object(let id) = $0 { objectTypeName(id) } else { "?" } }
                .joined(separator: ", ") + ")"
        default: "?"
        }
    }

    func objectTypeName(_ id: Int) -> String {
        switch objects[id] {
        case .module(let type, _): type.name
        case .variable(let cls, _): String(describing: cls.type)
        }
    }
}

extension GraphDef: CustomStringConvertible {
    /// A short summary: root type, module and variable counts, shared paths.
    public var description: String {
        let modules = objects.count - leaves.count
        var text = "GraphDef<\(typeName)>: \(modules) modules, \(leaves.count) variables"
        if !aliases.isEmpty {
            text += ", shared: " + sharedPaths.map { "\($0.alias) -> \($0.original)" }.joined(separator: ", ")
        }
        return text
    }
}
