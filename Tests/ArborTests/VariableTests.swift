import Foundation
import Testing
@testable import Arbor

@Suite struct VariableTests {
    @Test func builtInKindsHaveStableNames() {
        #expect(Param.kind == .param && Param.kind.name == "Param")
        #expect(BatchStat.kind.name == "BatchStat")
        #expect(Cache.kind.name == "Cache")
        #expect(RngState.kind.name == "RngState")
        #expect(Intermediate.kind.name == "Intermediate")
        #expect(Renamed.kind.name == "custom.Renamed")
        #expect(VariableKind("Param").variableType == Param.self)
    }

    @Test func userKindsRegisterOnSplitAndByHand() throws {
        final class Holder: Module {
            var scratch = Intermediate(Tensor(zeros: [1]))
        }
        _ = try Graph.split(Holder())
        #expect(Intermediate.kind.variableType == Intermediate.self)
        try VariableKind.register(Renamed.self)
        try VariableKind.register(Renamed.self)  // idempotent
        #expect(VariableKind("custom.Renamed").variableType == Renamed.self)
        #expect(Intermediate.kind.isKind(of: Intermediate.kind))
        #expect(!Intermediate.kind.isKind(of: .param))
    }

    @Test func kindNameConflictsAreErrors() {
        final class FakeParam: Variable {
            override class var kind: VariableKind { .param }
        }
        #expect(throws: VariableKindError.self) { try VariableKind.register(FakeParam.self) }
    }

    @Test func initializerRunsOnlyForConcreteModels() throws {
        let concrete = Param(shape: [2, 3])
        #expect(!concrete.value.isAbstract && concrete.shape == [2, 3] && concrete.dtype == .float32)
        let abstract = try Graph.evalShape { Param(shape: [2, 3], dtype: .bfloat16) }
        #expect(abstract.value.isAbstract && abstract.dtype == .bfloat16)
        let viaTensor = try Graph.evalShape { Dense(2, 2) }
        #expect(viaTensor.weight.value.isAbstract && viaTensor.bias.value.isAbstract)
    }

    @Test func stateAndDescription() {
        let v = BatchStat(Tensor([1, 2] as [Float]), metadata: VariableMetadata(entries: ["note": "x"]))
        #expect(v.state == VariableState(kind: .batchStat, value: Tensor([1, 2] as [Float]), metadata: v.metadata))
        #expect(v.description == "BatchStat(F32 [2])")
        #expect(v.state.description == "BatchStat F32 [2] {note=x}")
        #expect(v.state.abstract.value.isAbstract)
        let made = v.state.makeVariable()
        #expect(made is BatchStat && made?.value == v.value)
        #expect(VariableState(kind: VariableKind("Unregistered"), value: Tensor(zeros: [1])).makeVariable() == nil)
    }

    @Test func metadataIsCodableWithShardingAndEntries() throws {
        var metadata = VariableMetadata(sharding: ShardingSpec(["data", nil]))
        metadata["init"] = "normal(0.02)"
        #expect(metadata.description == "sharding=(data, _) init=normal(0.02)")
        let decoded = try JSONDecoder().decode(VariableMetadata.self, from: JSONEncoder().encode(metadata))
        #expect(decoded == metadata)
        #expect(VariableMetadata().isEmpty && !metadata.isEmpty)
        let kind = try JSONDecoder().decode(VariableKind.self, from: JSONEncoder().encode(VariableKind.rngState))
        #expect(kind == .rngState)
    }

    @Test func foreignEncodersSeeAnArchitectureSummary() throws {
        let data = try JSONEncoder().encode(Dense(2, 3))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""shape":[2,3]"#) && text.contains(#""kind":"Param""#))
        let back = try JSONDecoder().decode(Dense.self, from: data)
        #expect(back.weight.value.isAbstract && back.weight.shape == [2, 3] && back.features == 3)
    }
}
