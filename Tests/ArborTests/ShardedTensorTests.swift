import ArborTensor
import ArborTestSupport
import Testing
@testable import Arbor

/// Every process's shards of `tensor`, by simulating each process's view of `mesh`.
func allShards(of tensor: Tensor, _ spec: ShardingSpec, mesh: Mesh) throws -> [ShardedTensor.Shard] {
    try (0..<mesh.processCount).flatMap { process in
        try ShardedTensor(tensor, sharding: Sharding(mesh: mesh.viewed(fromProcess: process), spec: spec)).addressableShards
    }
}

@Suite struct ShardedTensorTests {
    @Test func raggedSplitsUseCeilDivisionWithSmallerOrEmptyTrailingShards() throws {
        let sharding = try Sharding(mesh: Mesh(["fsdp": 4]), spec: ["fsdp", nil])
        #expect((0..<4).map { sharding.box(forDevice: $0, globalShape: [10, 3]).ranges[0] } == [0..<3, 3..<6, 6..<9, 9..<10])
        #expect((0..<4).map { sharding.box(forDevice: $0, globalShape: [2, 3]).ranges[0] } == [0..<1, 1..<2, 2..<2, 2..<2])
    }

    @Test func severalAxesSplitOneDimensionMajorFirst() throws {
        let mesh = try Mesh(["data": 2, "fsdp": 2])
        let sharding = try Sharding(mesh: mesh, spec: [["data", "fsdp"]])
        #expect((0..<4).map { sharding.box(forDevice: $0, globalShape: [8]).ranges[0] } == [0..<2, 2..<4, 4..<6, 6..<8])
        let swapped = try Sharding(mesh: mesh, spec: [["fsdp", "data"]])
        #expect((0..<4).map { swapped.box(forDevice: $0, globalShape: [8]).ranges[0] } == [0..<2, 4..<6, 2..<4, 6..<8])
    }

    @Test func refusesUnknownOrRepeatedAxesAndLongSpecs() throws {
        let mesh = try Mesh(["fsdp": 2])
        #expect(throws: ShardingError.self) { try Sharding(mesh: mesh, spec: ["data"]) }
        #expect(throws: ShardingError.self) { try Sharding(mesh: mesh, spec: ["fsdp", "fsdp"]) }
        let tensor = Tensor([1, 2] as [Float])
        #expect(throws: ShardingError.self) { try ShardedTensor(tensor, sharding: Sharding(mesh: mesh, spec: ["fsdp", nil])) }
    }

    @Test(arguments: DType.allCases)
    func shardThenGatherIsByteExactForEveryDType(dtype: DType) throws {
        let cases: [([Int], ShardingSpec)] = [([10, 8], ["rows", nil]), ([6, 8], [nil, "cols"]), ([5, 8], ["rows", "cols"]),
                                              ([2, 2, 8], [["cols", "rows"], nil, nil]), ([], [])]
        for (shape, spec) in cases where !(shape.isEmpty && dtype.byteSize == nil) {   // no sub-byte scalar exists
            try checkRoundTrip(shape: shape, spec: spec, dtype: dtype)
        }
    }

    private func checkRoundTrip(shape: [Int], spec: ShardingSpec, dtype: DType) throws {
        let mesh = try Mesh(["rows": 4, "cols": 3])
        let tensor = try Tensor.randomBytes(shape: shape, dtype: dtype, seed: UInt64(shape.count))
        let sharding = try Sharding(mesh: mesh, spec: spec)
        let sharded: ShardedTensor
        do {
            sharded = try ShardedTensor(tensor, sharding: sharding)
        } catch {
            #expect(dtype.byteSize == nil, "only sub-byte dtypes may refuse: \(dtype) \(shape) \(spec): \(error)")
            return
        }
        #expect(sharded.addressableShards.count == 12)
        #expect(try sharded.gathered() == tensor, "\(dtype) \(shape) \(spec)")
    }

    @Test func shardsFromSeveralProcessesGatherAndReshard() throws {
        let mesh = try Mesh(["a": 2, "b": 2], processIndex: 0, processCount: 4)
        let tensor = try Tensor.randomBytes(shape: [7, 5], dtype: .bfloat16, seed: 3)
        let shards = try allShards(of: tensor, ["a", "b"], mesh: mesh)
        #expect(shards.count == 4)
        #expect(shards[0].data.shape == [4, 3] && shards[3].data.shape == [3, 2])
        #expect(try ShardedTensor.assemble(IndexBox(covering: [7, 5]), dtype: .bfloat16, from: shards) == tensor)
        // One process holds everything under a mesh of one process: reshard there and back.
        let local = try ShardedTensor(tensor, sharding: Sharding(mesh: Mesh(["a": 2, "b": 2]), spec: ["a", "b"]))
        let columns = try local.resharded(to: Sharding(mesh: Mesh(["a": 2, "b": 2]), spec: [nil, ["b", "a"]]))
        #expect(columns.addressableShards.map(\.data.shape) == [[7, 2], [7, 1], [7, 2], [7, 0]])
        #expect(try columns.gathered() == tensor)
    }

    @Test func aProcessMissingARegionCannotGatherOrReshardIntoIt() throws {
        let mesh = try Mesh(["fsdp": 2], processIndex: 0, processCount: 2)
        let sharded = try ShardedTensor(Tensor([1, 2, 3, 4] as [Float]), sharding: Sharding(mesh: mesh, spec: ["fsdp"]))
        #expect(sharded.addressableShards.map(\.data) == [Tensor([1, 2] as [Float])])
        #expect(throws: ShardingError.self) { try sharded.gathered() }
        #expect(throws: ShardingError.self) { try sharded.resharded(to: .replicated(over: mesh)) }
    }

    @Test func replicasInOneProcessShareStorage() throws {
        let mesh = try Mesh(["data": 2, "fsdp": 2])
        let sharded = try ShardedTensor(Tensor(zeros: [4, 4]), sharding: Sharding(mesh: mesh, spec: ["fsdp"]))
        #expect(sharded.addressableShards.count == 4)
        #expect(sharded.residentByteCount == 64)
    }

    @Test func boxCopyMovesSubByteElementsBitExactly() throws {
        let tensor = try Tensor.randomBytes(shape: [4, 6], dtype: .float4E2M1, seed: 9)
        let mesh = try Mesh(["c": 3])
        let sharded = try ShardedTensor(tensor, sharding: Sharding(mesh: mesh, spec: [nil, "c"]))
        #expect(sharded.addressableShards.map(\.data.shape) == [[4, 2], [4, 2], [4, 2]])
        #expect(try sharded.gathered() == tensor)
        #expect(throws: ShardingError.self) {
            try ShardedTensor(try Tensor.randomBytes(shape: [1, 4], dtype: .float6E2M3, seed: 1),
                              sharding: Sharding(mesh: mesh, spec: [nil, "c"]))
        }
    }
}
