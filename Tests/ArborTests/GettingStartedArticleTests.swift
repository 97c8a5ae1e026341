import Arbor
import Testing

/// The examples of the Getting Started article (Sources/Arbor/Arbor.docc),
/// compiled and run; `DocumentationExampleTests` checks the article's lines
/// are these lines.
@Suite struct GettingStartedArticleTests {
    final class Regressor: Module {
        let hidden: Linear
        let output: Linear
        var dropoutRate = 0.0
        init(key: RandomKey) {
            let (hiddenKey, outputKey) = key.split()
            hidden = Linear(4, 8, key: hiddenKey)
            output = Linear(8, 1, key: outputKey)
        }
        func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
    }

    @Test func trainAStepAndMoveTheState() throws {
        let x = Tensor([Float](repeating: 0.5, count: 12), shape: [3, 4]), y = Tensor(zeros: [3, 1])
        var losses: [Float] = []

        let model = Regressor(key: RandomKey(seed: 0))
        let optimizer = AdamW(learningRate: 1e-3, weightDecay: 0.01)
        for _ in 0..<10 {
            let (loss, gradients) = try grad(of: model) { m in (m(x) - y).squared().mean() }
            try optimizer.update(model, gradients: gradients)
            print("loss", loss.scalars(as: Float.self)[0])
            losses.append(loss.scalars(as: Float.self)[0])
        }
        #expect(losses.last! < losses.first!)

        let (graphdef, state) = try Graph.split(model)
        print(state)                                   // a tree: hidden/bias: Param F32 [8], …
        let params = state.filter(.param)
        let copy = try Graph.merge(graphdef, state)    // a new Regressor with the same values
        try Graph.update(model, params)                // or write the values back in place

        #expect(state.count == 4 && params.count == 4)
        #expect(copy !== model)
        #expect(try Graph.state(copy) == state)
        #expect(state.paths.contains(["hidden", "bias"]))
    }
}
