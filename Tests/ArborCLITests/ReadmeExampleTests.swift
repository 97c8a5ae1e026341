import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// The library examples of README.md, compiled and run, so the README cannot rot.
@Suite struct ReadmeExampleTests {
    final class Dense: Module {
        let weight: Param, bias: Param
        init(_ i: Int, _ o: Int) { weight = Param(shape: [i, o]); bias = Param(shape: [o]) }
    }

    final class MLP: Module {
        let layers: [Dense]
        var dropout = 0.1
        init(_ sizes: [Int]) { layers = zip(sizes, sizes.dropFirst()).map { Dense($0, $1) } }
    }

    @Test func safetensorsExample() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("model.safetensors")
        let weight = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let bias = Tensor([0.5, -0.5] as [Float])
        try SafeTensorsWriter.write(["linear.weight": weight, "linear.bias": bias], metadata: ["format": "pt"], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        let loaded = try file.tensor(named: "linear.weight")
        #expect(loaded == weight)
        #expect(loaded.isMemoryMapped)
    }

    @Test func modelStateExample() throws {
        let model = MLP([4, 8, 2])
        let (graphdef, state) = try Graph.split(model)
        #expect(state.count == 4)
        #expect(!state.description.isEmpty)
        let copy = try Graph.merge(graphdef, state)
        #expect(copy !== model && copy.dropout == 0.1)
        try Graph.update(model, state.filter(.param))
        var target = try Graph.state(Graph.evalShape { MLP([4, 8, 2]) })
        try target.replace(byPureDict: state.toPureDict().stringifyingKeys())
        try target.validate(against: graphdef.abstractState)
        let json = try JSONEncoder().encode(state.toPureDict())
        try target.replace(byPureDict: JSONDecoder().decode(PureDict.self, from: json))
        #expect(target == state)
        #expect(target.paths.contains(["layers", 0, "bias"]))
    }

    @Test func trainingExample() throws {
        let x = Tensor([Float](repeating: 0.5, count: 12), shape: [3, 4]), y = Tensor(zeros: [3, 2])
        let layer = Linear(4, 2, key: RandomKey(seed: 0))
        let opt = AdamW(learningRate: 1e-3, weightDecay: 0.01)
        let (loss, grads) = try grad(of: layer) { m in (m(x) - y).squared().mean() }
        try opt.update(layer, gradients: grads)
        #expect(loss.elementCount == 1 && grads.count == 2)
    }

    @Test func checkpointExample() async throws {
        let directory = try TemporaryDirectory()
        let model = MLP([4, 8, 2])
        let manager = try CheckpointManager(directory: directory.url, options: .init(
            savePolicy: SavePolicy(every: 100),
            retention: RetentionPolicy(keepLatest: 3, keepBest: .init(metric: "loss", mode: .min, count: 1))))
        for step in 1...500 {
            let loss = 1.0 / Double(step)
            try await manager.save(step: step, items: ["params": .state(try Graph.state(model))], metrics: ["loss": loss])
        }
        try await manager.close()
        let reopened = try CheckpointManager(directory: directory.url)
        try await reopened.restore().restore("params", into: model)
        #expect(try await reopened.allSteps() == [300, 400, 500])
        try await reopened.close()
    }
}
