import Arbor
import ArborTestSupport
import Foundation
import Testing

/// `Tests/Fixtures/optim/optim.json`: torch.optim runs on fixed parameters and gradients.
private struct OptimFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let optimizer: String
        let options: [String: Option]
        let params_after_step: [[Double]]
    }

    /// A torch keyword argument: a number, a flag or a pair (`betas`).
    enum Option: Decodable {
        case number(Double), flag(Bool), pair([Double])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) { self = .flag(flag) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else { self = .pair(try container.decode([Double].self)) }
        }
    }

    let shape: [Int]
    let initial: [Double]
    let gradients: [[Double]]
    let cases: [Case]
}

extension OptimFixture.Case {
    func number(_ key: String, default value: Float) -> Float {
        if case .number(let number)? = options[key] { return Float(number) }
        return value
    }

    var betas: (Float, Float) {
        if case .pair(let pair)? = options["betas"], pair.count == 2 { return (Float(pair[0]), Float(pair[1])) }
        return (0.9, 0.999)
    }

    /// The Arbor optimizer this case describes, built as a user would.
    func makeOptimizer() throws -> any Optimizer {
        let lr = number("lr", default: 0)
        switch optimizer {
        case "SGD":
            var nesterov = false
            if case .flag(let flag)? = options["nesterov"] { nesterov = flag }
            return SGD(learningRate: lr, momentum: number("momentum", default: 0), dampening: number("dampening", default: 0),
                       weightDecay: number("weight_decay", default: 0), nesterov: nesterov)
        case "Adam":
            return Adam(learningRate: lr, beta1: betas.0, beta2: betas.1, epsilon: number("eps", default: 1e-8),
                        weightDecay: number("weight_decay", default: 0))
        case "AdamW":
            return AdamW(learningRate: lr, beta1: betas.0, beta2: betas.1, epsilon: number("eps", default: 1e-8),
                         weightDecay: number("weight_decay", default: 0.01))
        default:
            throw OptimFixtureError(description: "unknown optimizer \(optimizer)")
        }
    }
}

private struct OptimFixtureError: Error, CustomStringConvertible { let description: String }

/// One parameter tensor `w`, as the fixture's single torch parameter.
private final class Weights: Module {
    let w: Param
    init(_ value: Tensor) { w = Param(value) }
}

@Suite("Optimizers against torch.optim")
struct OptimizerFixtureTests {
    private static func load() throws -> OptimFixture {
        try JSONDecoder().decode(OptimFixture.self, from: Data(contentsOf: Fixtures.url("optim/optim.json")))
    }

    @Test("every configuration matches torch.optim after each of five steps (≤ 1e-6 relative)")
    func matchesTorch() throws {
        let fixture = try Self.load()
        #expect(fixture.cases.count >= 8)
        for testCase in fixture.cases {
            let model = Weights(Tensor(fixture.initial.map(Float.init), shape: fixture.shape))
            let optimizer = try testCase.makeOptimizer()
            for (step, gradient) in fixture.gradients.enumerated() {
                let gradients = try State(flat: [(["w"], VariableState(kind: .param, value: Tensor(gradient.map(Float.init), shape: fixture.shape)))])
                try optimizer.update(model, gradients: gradients)
                let got = model.w.value.scalars(as: Float.self)
                let want = testCase.params_after_step[step]
                for (g, w) in zip(got, want) {
                    let error = abs(Double(g) - w) / max(abs(w), 1e-3)
                    #expect(error <= 1e-6, "\(testCase.name) step \(step + 1): \(g) vs torch \(w)")
                }
            }
        }
    }
}
