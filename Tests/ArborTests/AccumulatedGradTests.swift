import Arbor
import ArborTensor
import Testing

/// `accumulatedGrad`: the mean gradient of micro-batches, folded in order and
/// scaled by 1/N exactly as data-parallel training reduces it.
@Suite struct AccumulatedGradTests {
    static let x = Tensor((0..<24).map { Float($0 % 7) * 0.25 - 0.5 }, shape: [12, 2])
    static let y = Tensor((0..<12).map { Int64($0 % 2) })

    static func model() -> MLP { MLP([2, 5, 2], activations: [.tanh], key: RandomKey(seed: 9)) }

    static func loss(_ m: MLP, _ rows: Range<Int>) -> Tensor {
        m(x.sliced(alongAxis: 0, rows)).crossEntropy(labels: Tensor(Array(y.scalars(as: Int64.self)[rows])))
    }

    @Test func oneMicroBatchIsPlainGrad() throws {
        let m = Self.model()
        let (loss, gradients) = try accumulatedGrad(of: m, microBatches: 1) { m, _ in Self.loss(m, 0..<12) }
        let (plainLoss, plain) = try grad(of: m) { m in Self.loss(m, 0..<12) }
        #expect(loss == plainLoss)
        #expect(gradients == plain)
    }

    @Test(arguments: [2, 3, 4])
    func microBatchGradientsAreSummedInOrderThenScaled(count: Int) throws {
        let m = Self.model()
        let share = 12 / count
        let (loss, gradients) = try accumulatedGrad(of: m, microBatches: count) { m, i in
            Self.loss(m, (i * share)..<((i + 1) * share))
        }
        var parts: [State] = [], losses: [Tensor] = []
        for i in 0..<count {
            let (value, g) = try grad(of: m) { m in Self.loss(m, (i * share)..<((i + 1) * share)) }
            parts.append(g)
            losses.append(value)
        }
        for (path, leaf) in gradients.flat {
            var sum = try #require(parts[0][path]).value
            for part in parts.dropFirst() { sum = sum + (try #require(part[path])).value }
            #expect(leaf.value == sum * (1 / Float(count)), "\(path)")
            #expect(leaf.kind == .param)
        }
        #expect(loss == losses.dropFirst().reduce(losses[0], +) * (1 / Float(count)))
        // The mean of equal shares' means is the whole batch's mean, up to rounding.
        let (_, whole) = try grad(of: m) { m in Self.loss(m, 0..<12) }
        for (path, leaf) in whole.flat {
            let a = leaf.value.scalars(as: Float.self), b = try #require(gradients[path]).value.scalars(as: Float.self)
            for i in a.indices { #expect(abs(a[i] - b[i]) <= 1e-5, "\(path)[\(i)]") }
        }
    }
}
