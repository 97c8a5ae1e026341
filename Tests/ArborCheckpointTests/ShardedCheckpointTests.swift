import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// Format 2: several ranks (threads of this process) save their shards of one
/// state; any other rank count and mesh restores it, bytes identical to the
/// original.
@Suite struct ShardedCheckpointTests {
    /// The whole state every test shards: several dtypes, ragged splits (10
    /// rows over 4, 3 columns over 4), a 4-bit dtype, a leaf without a spec
    /// (written once) and an empty one.
    static func original() throws -> State {
        func leaf(_ shape: [Int], _ dtype: DType, _ spec: ShardingSpec?, seed: UInt64) throws -> VariableState {
            VariableState(kind: .param, value: try Tensor.randomBytes(shape: shape, dtype: dtype, seed: seed),
                          metadata: VariableMetadata(sharding: spec))
        }
        return try State(flat: [
            (Path(["blocks", 0, "weight"]), try leaf([10, 6], .float32, ["fsdp", nil], seed: 1)),
            (Path(["blocks", 0, "bias"]), try leaf([9], .float16, nil, seed: 2)),
            (Path(["embedding"]), try leaf([7, 3], .bfloat16, [nil, "fsdp"], seed: 3)),
            (Path(["codes"]), try leaf([5, 4, 2], .int8, ["fsdp"], seed: 4)),
            (Path(["packed"]), try leaf([8, 4], .float4E2M1, ["fsdp", nil], seed: 5)),
            (Path(["count"]), try leaf([3], .int64, ["fsdp"], seed: 6)),
            (Path(["empty"]), try leaf([0, 4], .float32, ["fsdp", nil], seed: 7)),
        ])
    }

    /// `state`'s leaves with new specs (by path description), for another layout.
    static func respecified(_ state: State, _ specs: [String: ShardingSpec?]) -> State {
        state.map { path, leaf in
            var copy = leaf
            if let spec = specs[path.description] { copy.metadata.sharding = spec }
            return copy
        }
    }

    /// Paths whose values or shards differ (metadata aside: a restore keeps
    /// the saved metadata).
    static func differences(_ restored: State, _ expected: State) -> [String] {
        zip(expected.paths, expected.leaves).compactMap { path, leaf in
            guard let got = restored[path] else { return "\(path) missing" }
            return got.sharded == leaf.sharded && got.value == leaf.value ? nil : "\(path) differs"
        }
    }

    static func fsdpMesh(rank: Int, of count: Int) throws -> Mesh {
        try Mesh(["fsdp": count], processIndex: rank, processCount: count)
    }

    /// Saves `original()` sharded over `fsdp: ranks` from `ranks` threads.
    static func saveSharded(ranks: Int, to url: URL) async throws {
        let whole = try original()
        _ = try await onRanks(ranks) { group in
            let state = try whole.sharded(over: try fsdpMesh(rank: group.rank, of: ranks))
            try Checkpointer(processGroup: group).save(["params": .state(state), "config": .json(Data("{}".utf8))],
                                                       to: url, step: 7)
        }
    }

    @Test func fourRanksWriteOneFileEachAndTheReplicatedLeafOnce() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let url = directory.file("ckpt")
        try await Self.saveSharded(ranks: 4, to: url)

        let checkpoint = try Checkpointer().open(url, verify: true)
        #expect(checkpoint.metadata.formatVersion == 2)
        #expect(checkpoint.step == 7)
        let files = (0..<4).map { "params/process-0000\($0)-of-00004.safetensors" }
        for file in files { #expect(checkpoint.metadata.files[file] != nil, "\(file) not listed") }
        var biasCopies = 0
        for file in files {
            let names = try SafeTensorsFile(contentsOf: url.appendingPathComponent(file)).names
            biasCopies += names.filter { $0.hasPrefix("blocks/0/bias") }.count
        }
        #expect(biasCopies == 1)
        let layout = try checkpoint.layout("params")
        let weight = try #require(layout.first { $0.path == Path(["blocks", 0, "weight"]) })
        #expect(weight.shape == [10, 6])
        #expect(weight.regions.map(\.box) == [IndexBox([0..<3, 0..<6]), IndexBox([3..<6, 0..<6]),
                                              IndexBox([6..<9, 0..<6]), IndexBox([9..<10, 0..<6])])
        #expect(weight.regions.map(\.process) == [0, 1, 2, 3])
        #expect(weight.spec == ["fsdp", nil])
    }

    @Test func fourRanksRestoreOnOneProcessWhole() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let url = directory.file("ckpt")
        try await Self.saveSharded(ranks: 4, to: url)
        let checkpoint = try Checkpointer().open(url)
        #expect(try checkpoint.state("params") == (try Self.original()))
        #expect(try checkpoint.state("params", copy: true) == (try Self.original()))
        #expect(try checkpoint.state("params", into: try Self.original()) == (try Self.original()))
    }

    @Test func fourRanksRestoreOnTwoRanks() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let url = directory.file("ckpt")
        try await Self.saveSharded(ranks: 4, to: url)
        let whole = try Self.original()
        for copy in [false, true] {
            let outcomes = try await onRanks(2) { group in
                let target = try whole.sharded(over: try Self.fsdpMesh(rank: group.rank, of: 2))
                let restored = try Checkpointer().open(url).state("params", into: target, options: .init(copy: copy))
                return restored == target
            }
            #expect(outcomes == [true, true], "copy: \(copy)")
        }
    }

    @Test func fourRanksRestoreOnFourRanksWithAnotherMesh() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let url = directory.file("ckpt")
        try await Self.saveSharded(ranks: 4, to: url)
        let other = Self.respecified(try Self.original(), [
            "blocks/0/weight": [nil, ["data", "fsdp"]],
            "blocks/0/bias": ["data"],
            "embedding": ["fsdp", "data"],
            "codes": [nil, "fsdp", "data"],
            "packed": [nil, "data"],
            "count": nil,
        ])
        let outcomes = try await onRanks(4) { group in
            let mesh = try Mesh(["data": 2, "fsdp": 2], processIndex: group.rank, processCount: 4)
            let target = try other.sharded(over: mesh)
            let restored = try Checkpointer().open(url).state("params", into: target)
            return Self.differences(restored, target)
        }
        #expect(outcomes == [[], [], [], []])
    }

    @Test func abstractTargetWithSpecsIsPlacedOnTheGivenMesh() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let url = directory.file("ckpt")
        try await Self.saveSharded(ranks: 4, to: url)
        let whole = try Self.original()
        let abstract = whole.map { _, leaf in leaf.abstract }
        let outcomes = try await onRanks(2) { group in
            let mesh = try Self.fsdpMesh(rank: group.rank, of: 2)
            let restored = try Checkpointer().open(url).state("params", into: abstract, options: .init(mesh: mesh))
            return restored == (try whole.sharded(over: mesh))
        }
        #expect(outcomes == [true, true])
    }

    @Test func aTargetShardInsideOneSavedShardIsAZeroCopyView() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let url = directory.file("ckpt")
        try await Self.saveSharded(ranks: 2, to: url)   // weight rows 0..<5, 5..<10
        let whole = try Self.original()
        let mapped = try await onRanks(4) { group in
            let target = try whole.sharded(over: try Self.fsdpMesh(rank: group.rank, of: 4))  // 0..<3, 3..<6, 6..<9, 9..<10
            let restored = try Checkpointer().open(url).state("params", into: target)
            #expect(restored == target)
            let leaf = try #require(restored[Path(["blocks", 0, "weight"])]?.sharded)
            return leaf.addressableShards[0].data.isMemoryMapped
        }
        #expect(mapped == [true, false, true, true])
    }

    @Test func ranksThatDisagreeOnTheTreeCommitNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let url = directory.file("ckpt")
        let whole = try Self.original()
        let outcomes = try await onRanks(2) { group in
            var state = try whole.sharded(over: try Self.fsdpMesh(rank: group.rank, of: 2))
            if group.rank == 1 { state = state.filter(.not(.under(Path(["count"])))) }
            do {
                try Checkpointer(processGroup: group).save(["params": .state(state)], to: url)
                return "saved"
            } catch {
                return "failed"
            }
        }
        #expect(outcomes == ["failed", "failed"])
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(try CheckpointDirectory(url: directory.url).leftovers().isEmpty)
    }

    @Test func aMeshOfAnotherProcessCountIsRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "arbor-sharded")
        let state = try Self.original().sharded(over: try Mesh(["fsdp": 2], processIndex: 0, processCount: 2))
        #expect(throws: CheckpointError.self) {
            try Checkpointer().save(["params": .state(state)], to: directory.file("ckpt"))
        }
    }
}
