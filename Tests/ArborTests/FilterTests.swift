import Testing
@testable import Arbor

@Suite struct FilterTests {
    let state: State

    init() throws { state = try Graph.state(Stack(widths: [2, 3], heads: ["h"])) }

    @Test func byKind() {
        #expect(state.filter(.param).count == 5)
        #expect(state.filter(.batchStat).paths == [["norm", "mean"]])
        #expect(state.filter(.kind(BatchStat.self)).count == 1)
        #expect(state.filter(.everything).count == state.count)
        #expect(state.filter(.nothing).isEmpty)
    }

    @Test func byPathAndCombinators() {
        #expect(state.filter(.pathContains("bias")).count == 2)
        #expect(state.filter(.pathContains(0)).count == 2)
        #expect(state.filter(.pathContains("0")).isEmpty)
        #expect(state.filter(.under(["heads"])).count == 2)
        #expect(state.filter(.all(.param, .not(.pathContains("bias")))).count == 3)
        #expect(state.filter(.any(.batchStat, .pathContains("scale"))).count == 2)
        #expect(state.filter(Filter("small") { _, leaf in leaf.value.elementCount < 4 }).count == 5)
        #expect(Filter.all(.param, .not(.pathContains("bias"))).description == "all(kind(Param), not(pathContains(bias)))")
        #expect(Filter.any(.param, .everything).isCatchAll && !Filter.param.isCatchAll)
    }

    @Test func userKindSubclassesMatchTheirBase() throws {
        final class Special: Variable {}
        final class Holder: Module {
            var a = Special(Tensor(zeros: [1]))
            var b = Param(Tensor(zeros: [1]))
        }
        let state = try Graph.state(Holder())
        #expect(state.filter(.kind(Special.self)).paths == [["a"]])
        #expect(state.filter(.kind(Variable.self)).count == 2)
    }
}
