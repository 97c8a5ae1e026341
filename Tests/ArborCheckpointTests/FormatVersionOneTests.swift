import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// A checkpoint written by the format 1 writer (`Tests/Fixtures/checkpoint-v1`)
/// still verifies and restores, whole and into a sharded target; single-process
/// saves of unsharded states still write format 1.
@Suite struct FormatVersionOneTests {
    static let fixture = Fixtures.url("checkpoint-v1")

    /// The fixture's tensors by dotted name, from the safetensors file it was made from.
    static func source() throws -> [String: Tensor] {
        try SafeTensorsFile(contentsOf: Fixtures.url("mlp/mlp.safetensors")).loadAll()
    }

    @Test func theFixtureVerifiesAndRestoresWhole() throws {
        let checkpoint = try Checkpointer().open(Self.fixture, verify: true)
        #expect(checkpoint.metadata.formatVersion == 1)
        #expect(checkpoint.processCount == 1)
        let state = try checkpoint.state("model")
        let source = try Self.source()
        #expect(state.count == source.count)
        for (path, leaf) in zip(state.paths, state.leaves) {
            let name = path.keys.map(\.description).joined(separator: ".")
            #expect(leaf.value == source[name], "\(path)")
        }
        let layout = try checkpoint.layout("model")
        #expect(layout.allSatisfy { $0.regions.count == 1 && $0.regions[0].process == nil && $0.spec == nil })
    }

    @Test func theFixtureRestoresIntoAShardedTarget() async throws {
        let whole = try Checkpointer().open(Self.fixture).state("model")
        let specified = whole.map { _, leaf in
            var copy = leaf
            if leaf.shape.count == 2 { copy.metadata.sharding = ["fsdp", nil] }
            return copy
        }
        let outcomes = try await onRanks(2) { group in
            let mesh = try Mesh(["fsdp": 2], processIndex: group.rank, processCount: 2)
            let target = try specified.sharded(over: mesh)
            let restored = try Checkpointer().open(Self.fixture).state("model", into: target)
            return ShardedCheckpointTests.differences(restored, target)
        }
        #expect(outcomes == [[], []])
    }

    @Test func aSingleProcessUnshardedSaveStillWritesFormatOne() throws {
        let directory = try TemporaryDirectory(prefix: "arbor-v1")
        let state = try Checkpointer().open(Self.fixture).state("model", copy: true)
        let metadata = try Checkpointer().save(["model": .state(state)], to: directory.file("again"))
        #expect(metadata.formatVersion == 1)
        #expect(metadata.files["model/data-00000-of-00001.safetensors"] != nil)
        let original = try Data(contentsOf: Self.fixture.appendingPathComponent("model/tree.json"))
        let rewritten = try Data(contentsOf: directory.file("again/model/tree.json"))
        #expect(original == rewritten)
    }
}
