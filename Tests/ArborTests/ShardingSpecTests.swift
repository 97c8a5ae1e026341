import Foundation
import Testing
@testable import Arbor

@Suite struct ShardingSpecTests {
    @Test func literalsMakeSingleSeveralAndReplicatedDimensions() {
        let spec: ShardingSpec = [["data", "fsdp"], nil, "model"]
        #expect(spec.dimensions == [.axes(["data", "fsdp"]), .replicated, .axes(["model"])])
        #expect(spec.axisNames == ["data", "fsdp", "model"])
        #expect(spec.description == "((data, fsdp), _, model)")
        #expect(ShardingSpec(["data", nil]) == ["data", nil])
        #expect(ShardingSpec([nil, nil]).isReplicated)
    }

    @Test func oldJSONStillDecodes() throws {
        let old = Data(#"{"axes":["data",null]}"#.utf8)
        #expect(try JSONDecoder().decode(ShardingSpec.self, from: old) == ShardingSpec(["data", nil]))
    }

    @Test func singleAxisSpecsEncodeAsBefore() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(ShardingSpec(["data", nil])), as: UTF8.self)
        #expect(text == #"{"axes":["data",null]}"#)
    }

    @Test func severalAxesRoundTrip() throws {
        let spec: ShardingSpec = [nil, ["data", "fsdp"], "model"]
        let data = try JSONEncoder().encode(VariableMetadata(sharding: spec))
        #expect(try JSONDecoder().decode(VariableMetadata.self, from: data).sharding == spec)
    }

    @Test func variablesCarryTheirSpecFromCreation() {
        let w = Param(shape: [8, 4], sharding: ["fsdp", nil])
        #expect(w.metadata.sharding == ["fsdp", nil])
        #expect(w.shape == [8, 4])
    }
}
