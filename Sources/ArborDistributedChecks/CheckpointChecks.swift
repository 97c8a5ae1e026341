import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborTensor
import Foundation

/// Sharded checkpoints across real ranks: every rank saves its shards, the
/// result restores whole on each rank alone and resharded onto another layout.
public enum CheckpointChecks {
    /// The same state on every rank: ragged rows, several dtypes, a leaf without a spec.
    static func original() throws -> State {
        try State(flat: [
            (Path(["w"]), VariableState(kind: .param, value: try Tensor.randomNormal(shape: [10, 6], key: RandomKey(seed: 1)),
                                        metadata: VariableMetadata(sharding: ["fsdp", nil]))),
            (Path(["e"]), VariableState(kind: .param,
                                        value: try Tensor.randomNormal(shape: [7, 3], key: RandomKey(seed: 2), dtype: .bfloat16),
                                        metadata: VariableMetadata(sharding: [nil, "fsdp"]))),
            (Path(["b"]), VariableState(kind: .param, value: Tensor((0..<9).map { Int32($0 * 7) }, shape: [9]))),
        ])
    }

    /// A directory every rank sees: rank 0 makes it and broadcasts its path.
    static func sharedDirectory(_ group: some ProcessGroup) throws -> URL {
        var path: [UInt8] = []
        if group.rank == 0 {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("arbor-check-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            path = Array(url.path.utf8)
        }
        return URL(fileURLWithPath: String(decoding: try group.broadcast(bytes: path, root: 0), as: UTF8.self))
    }

    /// The checkpoint checks.
    public static let all: [DistributedCheck] = [
        DistributedCheck("sharded checkpoint saves on every rank and reshards on restore") { group in
            let directory = try sharedDirectory(group)
            defer {
                try? group.barrier()
                if group.rank == 0 { try? FileManager.default.removeItem(at: directory) }
            }
            let whole = try original()
            let mesh = try Mesh(["fsdp": group.size], processIndex: group.rank, processCount: group.size)
            let url = directory.appendingPathComponent("step")
            try Checkpointer(processGroup: group).save(["params": .state(try whole.sharded(over: mesh))], to: url)
            let checkpoint = try Checkpointer().open(url, verify: true)
            guard checkpoint.processCount == group.size else { return "written by \(checkpoint.processCount) processes" }
            guard try checkpoint.state("params") == whole else { return "the whole restore differs from the original" }
            let other = whole.map { _, leaf in
                var leaf = leaf
                leaf.metadata.sharding = leaf.shape.count == 2 ? [nil, "fsdp"] : ["fsdp"]
                return leaf
            }
            let target = try other.sharded(over: mesh)
            let restored = try checkpoint.state("params", into: target)
            for (path, leaf) in zip(target.paths, target.leaves) where restored[path]?.sharded != leaf.sharded {
                return "\(path): resharded restore differs"
            }
            return nil
        },
    ]
}
