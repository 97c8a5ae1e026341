import Arbor
import ArborCheckpoint
import ArborTestSupport
import Foundation
import Testing

/// The examples of the Checkpoints article (Sources/ArborCheckpoint/ArborCheckpoint.docc),
/// compiled and run; `DocumentationExampleTests` checks the article's lines
/// are these lines.
@Suite struct CheckpointsArticleTests {
    final class Block: Module {
        let weight: Param, bias: Param
        let runningMean: BatchStat
        init(_ width: Int) {
            weight = Param(shape: [width, width], initializer: .ones)
            bias = Param(shape: [width])
            runningMean = BatchStat(shape: [width])
        }
    }
    final class Stack: Module {
        let layers: [Block]
        init(depth: Int, width: Int) { layers = (0..<depth).map { _ in Block(width) } }
    }

    /// The article's stand-in for a training step: one AdamW update.
    func trainStep(_ model: Stack, _ optimizer: AdamW) -> Double {
        guard let result = try? grad(of: model, { m in m.layers[0].weight.value.squared().mean() }),
              (try? optimizer.update(model, gradients: result.gradients)) != nil else { return .nan }
        return Double(result.loss.scalars(as: Float.self)[0])
    }

    @Test func saveRetainAndRestore() async throws {
        let directory = try TemporaryDirectory()
        let runDirectory = directory.file("run"), exportDirectory = directory.file("export")
        let model = Stack(depth: 2, width: 4)
        let optimizer = AdamW(learningRate: 1e-2, weightDecay: 0.01)

        let manager = try CheckpointManager(directory: runDirectory, options: .init(
            savePolicy: SavePolicy(every: 100),
            retention: RetentionPolicy(keepLatest: 2, keepBest: .init(metric: "loss", mode: .min, count: 1))))
        for step in 1...500 {
            let loss = trainStep(model, optimizer)
            try await manager.save(step: step, items: [
                "params": .state(try Graph.state(model)),
                "optimizer": .state(optimizer.state),
                "config": try .json(encoding: ["width": 4]),
            ], metrics: ["loss": loss])
        }
        try await manager.close()                   // waits: the last save is never lost

        let reopened = try CheckpointManager(directory: runDirectory)
        let latest = try await reopened.restore()                 // the latest step
        let saved = try latest.state("params")                    // zero-copy views of the files
        print(latest.step, saved.paths.count)
        #expect(try await reopened.allSteps() == [400, 500])
        #expect(try latest.step == 500 && saved == Graph.state(model))

        let trained = try Graph.state(model)
        try Graph.update(model, trained.map { _, leaf in
            var zeroed = leaf
            zeroed.value = Tensor(zeros: leaf.shape)
            return zeroed
        })
        try latest.restore("params", into: model)
        try optimizer.load(try latest.state("optimizer"))
        #expect(try Graph.state(model) == trained)
        #expect(optimizer.state == (try latest.state("optimizer")))

        let abstract = try Graph.evalShape { Stack(depth: 2, width: 4) }
        let (graphdef, target) = try Graph.split(abstract)
        let restored = try latest.state("params", into: target)
        let fresh = try Graph.merge(graphdef, restored)
        #expect(try Graph.state(fresh) == trained)
        try await reopened.close()

        let checkpointer = Checkpointer()
        try checkpointer.save(["params": .state(try Graph.state(model))], to: exportDirectory)
        let params = try checkpointer.open(exportDirectory).state("params")
        #expect(params == trained)
    }
}
