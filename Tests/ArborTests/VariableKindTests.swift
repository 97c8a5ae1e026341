import Arbor
import Testing

/// A user kind hierarchy, declared as a user declares it: nothing registered.
class Activation: Variable {}
final class Gate: Activation {}
/// A new kind of parameter (issue 10: `Param` used to be final).
final class LoRAParam: Param {}

/// A module holding one of each, never split before the tests below run.
final class Adapted: Module {
    var weight = Param(Tensor([1, 2] as [Float]))
    var loraA = LoRAParam(Tensor([3, 4] as [Float]))
    var gate = Gate(Tensor([5] as [Float]))
    var stats = BatchStat(Tensor([6] as [Float]))
}

@Suite("Variable kinds and their subclasses")
struct VariableKindTests {
    @Test("a kind filter matches the kind and its subclasses without registration")
    func kindFilterMatchesSubclasses() throws {
        // Failed before: `state.filter(.kind(MyKind.self))` returned nothing, and
        // `state.split(.param, .kind(MyKind.self))` threw "matches none of the filters",
        // unless the kind was registered by hand.
        let state = try Graph.state(Adapted())
        #expect(state.filter(.kind(Activation.self)).paths == [["gate"]])
        #expect(state.filter(.kind(Gate.self)).paths == [["gate"]])
        let parts = try state.split(.param, .kind(Activation.self), .everything)
        #expect(parts.map { $0.paths } == [[["loraA"], ["weight"]], [["gate"]], [["stats"]]])

        // A leaf made straight from a variable, with no split at all, knows its ancestry too.
        let leaf = Gate(Tensor([0] as [Float])).state
        let handMade = try State(flat: [(["g"], leaf)])
        #expect(handMade.filter(.kind(Activation.self)).count == 1)
        #expect(handMade.filter(.kind(Variable.self)).count == 1)
        #expect(handMade.filter(.param).isEmpty)
    }

    @Test("a LoRA parameter is both a `.param` and its own kind, and merge rebuilds it")
    func loraParamIsParamAndItsOwnKind() throws {
        // Failed before: `final class LoRAParam: Param {}` did not compile (Param was final).
        #expect(LoRAParam.kind.name == "LoRAParam")
        #expect(Param.kind == .param)
        let model = Adapted()
        let (graphdef, state) = try Graph.split(model)
        #expect(state[["loraA"]]?.kind.name == "LoRAParam")
        #expect(state.filter(.param).paths == [["loraA"], ["weight"]])
        #expect(state.filter(.kind(LoRAParam.self)).paths == [["loraA"]])

        let copy = try Graph.merge(graphdef, state)
        #expect(type(of: copy.loraA) == LoRAParam.self && type(of: copy.gate) == Gate.self)
        #expect(copy.loraA.value == model.loraA.value)
    }

    @Test("a kind read back by name matches exactly, and subclasses through the registry")
    func restoredKindsMatchByName() throws {
        _ = try Graph.split(Adapted())   // registers LoRAParam, as any split of such a model does
        let restored = VariableKind("LoRAParam")   // what a checkpoint gives: the name alone
        #expect(restored.ancestors.isEmpty)
        #expect(restored.isKind(of: VariableKind("LoRAParam")))
        #expect(restored.isKind(of: .param))
        #expect(!VariableKind("NeverSeen").isKind(of: .param))
        // Equality is by name: a restored kind equals the live one.
        #expect(restored == LoRAParam(Tensor([0] as [Float])).kind)
    }

    @Test("descriptions print what their doc comments say")
    func descriptions() throws {
        #expect(Param(shape: [4, 8]).description == "Param(F32 [4, 8])")
        #expect(try Graph.evalShape { Param(shape: [4, 8]) }.description == "Param(F32 [4, 8], abstract)")
        #expect(LoRAParam(Tensor([1] as [Float])).state.description == "LoRAParam F32 [1]")
    }
}

