import ArborTensor
import Foundation

/// PyTorch-style state dicts of Arbor models: dotted names (`blocks.0.ln1.weight`,
/// list indices as parts) for export as safetensors.
extension StateDict {
    /// What `export` lists.
    public struct Options: Sendable {
        /// List non-`Param` variables (BatchStat running statistics and the
        /// like), as PyTorch lists buffers.
        public var includeBuffers: Bool
        /// List a tied (shared) variable under every path, as PyTorch's
        /// `state_dict()` does; `false` lists it once, as saving needs.
        public var tiedUnderEveryName: Bool
        /// Kinds never listed (caches, RNG state are not model weights).
        public var excludedKinds: Set<VariableKind>

        /// The defaults: buffers included, tied weights once, no caches or RNG state.
        public init(includeBuffers: Bool = true, tiedUnderEveryName: Bool = false,
                    excludedKinds: Set<VariableKind> = [.cache, .rngState]) {
            self.includeBuffers = includeBuffers
            self.tiedUnderEveryName = tiedUnderEveryName
            self.excludedKinds = excludedKinds
        }

        /// Whether a variable of `kind` is listed.
        public func lists(_ kind: VariableKind) -> Bool {
            !excludedKinds.contains(kind) && (includeBuffers || kind == .param)
        }
    }

    /// The model's state dict in PyTorch's order: at each module its own
    /// params, then its buffers, then its children (children in key order,
    /// indices numerically — Arbor's traversal order, not declaration order).
    ///
    /// Throws `GraphError` when the model cannot be split, and
    /// `StateDictError.duplicateName` when two paths have one dotted name
    /// (`["x", 0]` and `["x", "0"]`).
    public static func export(_ model: some Module, options: Options = Options()) throws -> StateDict {
        let (graphDef, state) = try Graph.split(model)
        var entries: [(path: Path, leaf: VariableState)] = state.flat.filter { options.lists($0.leaf.kind) }
        if options.tiedUnderEveryName {
            var aliases: [(path: Path, leaf: VariableState)] = []
            for (alias, original) in graphDef.sharedPaths {
                for entry in entries where entry.path.hasPrefix(original) {
                    aliases.append((alias.appending(entry.path.dropping(prefix: original)), entry.leaf))
                }
            }
            entries += aliases
        }
        return try StateDict(ordered(entries).map { ($0.path.dotted, $0.leaf.value) })
    }

    /// Dotted names and tensors of a `State` in the same order as `export`;
    /// two paths with one dotted name throw `.duplicateName`.
    public static func entries(of state: State, options: Options = Options()) throws(StateDictError) -> StateDict {
        let entries = state.flat.filter { options.lists($0.leaf.kind) }
        return try StateDict(ordered(entries).map { ($0.path.dotted, $0.leaf.value) })
    }

    /// Params before buffers before children, at every level.
    static func ordered(_ entries: [(path: Path, leaf: VariableState)]) -> [(path: Path, leaf: VariableState)] {
        entries.sorted { a, b in
            let common = zip(a.path.keys, b.path.keys).prefix { $0 == $1 }.count
            // Rank at the first differing level: 0 own param, 1 own buffer, 2 child subtree.
            func rank(_ entry: (path: Path, leaf: VariableState)) -> Int {
                entry.path.keys.count == common + 1 ? (entry.leaf.kind == .param ? 0 : 1) : 2
            }
            let (ra, rb) = (rank(a), rank(b))
            if ra != rb { return ra < rb }
            return a.path < b.path
        }
    }
}
