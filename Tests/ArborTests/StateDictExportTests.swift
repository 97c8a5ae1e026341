import Arbor
import ArborTensor
import Foundation
import Testing

/// `StateDict.export`: dotted names in PyTorch's order, buffers and tied weights.
@Suite struct StateDictExportTests {
    @Test func paramsThenBuffersThenChildrenWithIndices() throws {
        final class Outer: Module {
            var weight = Param(Tensor([Float(1)], shape: [1]))
            var count = BatchStat(Tensor([Float(0)], shape: [1]))
            var a = Norm(2)
            var stack = Stack(widths: [3, 2, 2], norm: false)
        }
        let names = try StateDict.export(Outer()).map(\.name)
        #expect(names == ["weight", "count", "a.scale", "a.mean", "stack.layers.0.bias", "stack.layers.0.weight",
                          "stack.layers.1.bias", "stack.layers.1.weight"])
        let params = try StateDict.export(Outer(), options: .init(includeBuffers: false)).map(\.name)
        #expect(params == ["weight", "a.scale", "stack.layers.0.bias", "stack.layers.0.weight",
                           "stack.layers.1.bias", "stack.layers.1.weight"])
    }

    @Test func tiedWeightsOnceOrUnderEveryName() throws {
        let model = TiedLM(vocab: 4, width: 2)
        let once = try StateDict.export(model).map(\.name)
        #expect(once == ["embed", "blocks.0.bias", "blocks.0.weight"])
        let every = try StateDict.export(model, options: .init(tiedUnderEveryName: true))
        #expect(every.map(\.name) == ["embed", "blocks.0.bias", "blocks.0.weight", "head.weight"])
        #expect(every[3].tensor == every[0].tensor)
    }

    @Test func exportLoadsBackThroughLoader() throws {
        let model = Stack(widths: [3, 2], norm: true)
        let dict = try StateDict.export(model)
        let (state, report) = try StateDictLoader().load(dict, into: try Graph.state(model))
        #expect(report.isClean)
        #expect(state == (try Graph.state(model)))
    }
}
