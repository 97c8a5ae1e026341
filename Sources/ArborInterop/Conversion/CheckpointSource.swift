import Arbor
import ArborCheckpoint
import ArborTensor
import Foundation

/// An Arbor checkpoint as a conversion source: one State item as a PyTorch-style
/// state dict (dotted names), plus the model files a conversion stored with it.
struct CheckpointSource {
    /// The step directory read.
    var url: URL
    /// The opened checkpoint (step, metrics and user metadata are carried over).
    var checkpoint: Checkpoint
    /// The State item read.
    var item: String
    /// The item's tensors under dotted names, as `StateDict.entries(of:)` lists
    /// them: buffers included, caches and RNG state left out.
    var tensors: StateDict
    /// Each listed leaf by dotted name, so a conversion without rules can keep
    /// the typed path, kind and metadata.
    var leaves: [String: (path: Path, leaf: VariableState)]
    /// Non-weight files stored by an earlier conversion (empty when none).
    var files: [ModelFile]
    /// Items neither read nor carried over (optimizer state and the like).
    var skippedItems: [String]

    /// Opens the checkpoint at `url`, or the latest complete step (or `step`) of a
    /// run directory, verifying every checksum before anything is converted.
    static func open(_ url: URL, item: String?, step: Int?) throws -> CheckpointSource {
        var stepURL = url
        if !CheckpointDirectory.isStep(url) {
            let run = CheckpointDirectory(url: url)
            if let step {
                stepURL = try run.completeEntry(step: step).url
            } else {
                guard let latest = try run.latestStep() else { throw CheckpointError.noCheckpoints(directory: url.path) }
                stepURL = try run.completeEntry(step: latest).url
            }
        } else if step != nil {
            throw ModelConverterError.optionNotApplicable(
                option: "--step", reason: "\(url.path) is one checkpoint, not a run directory of step_N directories")
        }
        let checkpoint = try Checkpointer().open(stepURL, verify: true)
        let name = try chooseItem(in: checkpoint, given: item)
        let state = try checkpoint.state(name)

        // Name clashes first, with both typed paths: then `entries(of:)` cannot fail on one.
        let options = StateDict.Options()
        var leaves: [String: (path: Path, leaf: VariableState)] = [:]
        for (path, leaf) in state.flat where options.lists(leaf.kind) {
            if let first = leaves[path.dotted] {
                throw ModelConverterError.duplicateName(path: stepURL.path, name: path.dotted,
                                                 first: typed(first.path), second: typed(path))
            }
            leaves[path.dotted] = (path, leaf)
        }
        let tensors = try StateDict.entries(of: state, options: options)

        var files: [ModelFile] = []
        let filesItem = checkpoint.metadata.items[StoredModelFiles.itemName]
        if filesItem?.kind == .json {
            let stored = try checkpoint.json(StoredModelFiles.itemName, as: StoredModelFiles.self)
            files = try stored.contents(source: stepURL.appendingPathComponent(StoredModelFiles.itemName).path)
        }
        let skipped = checkpoint.itemNames.filter { $0 != name && !($0 == StoredModelFiles.itemName && filesItem?.kind == .json) }
        return CheckpointSource(url: stepURL, checkpoint: checkpoint, item: name, tensors: tensors, leaves: leaves,
                                files: files, skippedItems: skipped)
    }

    /// The item to read: `given`, else `model`, else the only State item.
    static func chooseItem(in checkpoint: Checkpoint, given: String?) throws -> String {
        if let given { return given }   // Checkpoint.state names a missing or non-State item itself.
        let stateItems = checkpoint.itemNames.filter { checkpoint.metadata.items[$0]?.kind == .state }
        if stateItems.contains("model") { return "model" }
        if stateItems.count == 1 { return stateItems[0] }
        if stateItems.isEmpty { throw ModelConverterError.noStateItem(path: checkpoint.url.path, items: checkpoint.itemNames) }
        throw ModelConverterError.ambiguousItem(path: checkpoint.url.path, items: stateItems)
    }

    /// A path with its key types visible, as `tree.json` writes it: `["x", 0]` vs `["x", "0"]`.
    static func typed(_ path: Path) -> String {
        "[" + path.keys.map { key in key.index.map(String.init) ?? "\"\(key.text)\"" }.joined(separator: ", ") + "]"
    }
}
