import Testing
@testable import Arbor

@Suite struct MeshTests {
    @Test func devicesAreRowMajorAndSplitOverProcesses() throws {
        let mesh = try Mesh(["data": 2, "fsdp": 4], processIndex: 1, processCount: 4)
        #expect(mesh.axisNames == ["data", "fsdp"])
        #expect(mesh.deviceCount == 8)
        #expect(mesh.coordinates(ofDevice: 5) == [1, 1])
        #expect(mesh.addressableDevices == [2, 3])
        #expect(mesh.process(ofDevice: 7) == 3)
        #expect(try mesh.viewed(fromProcess: 3).addressableDevices == [6, 7])
    }

    @Test func refusesInconsistentMeshes() {
        #expect(throws: ShardingError.self) { try Mesh(["a": 0]) }
        #expect(throws: ShardingError.self) { try Mesh(["a": 3], processCount: 2) }
        #expect(throws: ShardingError.self) { try Mesh(axisNames: ["a", "a"], axisSizes: [1, 1]) }
        #expect(throws: ShardingError.self) { try Mesh(["a": 2], processIndex: 2, processCount: 2) }
    }

    @Test func explicitOwnersAreKept() throws {
        let mesh = try Mesh(axisNames: ["x"], axisSizes: [3], processIndex: 0, processCount: 2, deviceProcesses: [0, 1, 0])
        #expect(mesh.addressableDevices == [0, 2])
    }
}
