import ArborTensor
import Testing

@Suite struct GradientTapeTests {
    @Test func fanOutAccumulates() {
        let tape = GradientTape()
        let x = tape.watch(Tensor([1, 2, 3] as [Float]))
        let y = tape.record { (x * x + x).sum() }
        #expect(y.floats == [20])
        #expect(tape.gradients(of: y, wrt: [x])[0].floats == [3, 5, 7])
    }

    @Test func unusedLeafGetsZerosAndConstantsRecordNothing() {
        let tape = GradientTape()
        let used = tape.watch(Tensor([2] as [Float])), unused = tape.watch(Tensor(zeros: [2, 2]))
        let constant = Tensor([5] as [Float])
        let loss = tape.record { () -> Tensor in
            _ = (constant * 3).exp()   // no watched input: not recorded
            return used * constant
        }
        #expect(tape.nodeCount == 3)  // two leaves and one product
        let grads = tape.gradients(of: loss, wrt: [used, unused])
        #expect(grads[0].floats == [5])
        #expect(grads[1] == Tensor(zeros: [2, 2]))
    }

    @Test func leavesAreKeyedByIdentityNotValue() {
        let tape = GradientTape()
        let value = Tensor([1, 1] as [Float])
        let a = tape.watch(value), b = tape.watch(value)
        let loss = tape.record { (a * 2 + b * 3).sum() }
        let grads = tape.gradients(of: loss, wrt: [b, a])
        #expect(grads[0].floats == [3, 3])
        #expect(grads[1].floats == [2, 2])
    }

    @Test func tensorsFromAnotherTapeAreConstants() {
        let first = GradientTape(), second = GradientTape()
        let x = first.watch(Tensor([3] as [Float]))
        let y = second.watch(Tensor([4] as [Float]))
        let loss = second.record { x * y }
        #expect(second.gradients(of: loss, wrt: [y])[0].floats == [3])
        #expect(first.gradients(of: loss, wrt: [x])[0].floats == [0])
    }

    @Test func noRecordingOutsideRecordAndAfterInPlaceWrite() {
        let tape = GradientTape()
        var x = tape.watch(Tensor([1, 2] as [Float]))
        let outside = x * 2
        #expect(outside.traceMark == nil)
        x.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 7 }
        #expect(x.traceMark == nil)
    }

    @Test func detachedStopsGradients() {
        let (_, grads) = valueWithGradients(at: [Tensor([2, 3] as [Float])]) { p in
            (p[0] * p[0].detached()).sum()
        }
        #expect(grads[0].floats == [2, 3])
    }

    @Test func nonScalarLossSumsItsElements() {
        let tape = GradientTape()
        let x = tape.watch(Tensor([1, 2] as [Float]))
        let y = tape.record { x * 3 }
        #expect(tape.gradients(of: y, wrt: [x])[0].floats == [3, 3])
    }

    @Test func concurrentTapesStayIndependent() async {
        let results = await withTaskGroup(of: (Float, [Float]).self) { group in
            for scale in 1...8 {
                group.addTask {
                    let (_, grads) = valueWithGradients(at: [Tensor([1, 2] as [Float])]) { p in
                        (p[0] * Float(scale)).squared().sum()
                    }
                    return (Float(scale), grads[0].floats)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (scale, grad) in results { #expect(grad == [2 * scale * scale, 4 * scale * scale]) }
    }

    @Test func childTasksRecordOntoTheSameTape() async {
        let tape = GradientTape()
        let x = tape.watch(Tensor([1, 2] as [Float]))
        let loss = await tape.record {
            await withTaskGroup(of: Tensor.self) { group in
                for scale in 1...4 { group.addTask { (x * Float(scale)).sum() } }
                var total = Tensor(scalar: Float(0))
                for await part in group { total = total + part }
                return total
            }
        }
        #expect(loss.floats == [30])
        #expect(tape.gradients(of: loss, wrt: [x])[0].floats == [10, 10])
    }

    @Test func smallNetworkEndToEnd() {
        // A two-layer MLP with layer norm and cross-entropy, checked as one function.
        var random = TestRandom(seed: 21)
        let x = random.tensor([4, 3]), labels = Tensor([0, 2, 1, 2] as [Int32])
        let w1 = random.tensor([3, 5]), b1 = random.tensor([5]), w2 = random.tensor([4, 5]), b2 = random.tensor([4])
        expectGradientsMatchFiniteDifferences(at: [w1, b1, w2, b2]) { p in
            let h = (matmul(x, p[0]) + p[1]).gelu(approximation: .tanh).layerNorm()
            let logits = matmul(h, p[2], transposingB: true) + p[3]
            return logits.crossEntropy(labels: labels)
        }
    }

    @Test func attentionBlockEndToEnd() throws {
        var random = TestRandom(seed: 22)
        let q = random.tensor([1, 3, 4]), k = random.tensor([1, 3, 4]), v = random.tensor([1, 3, 4])
        expectGradientsMatchFiniteDifferences(at: [q, k, v]) { p in
            let scores = (matmul(p[0], p[1], transposingB: true) * 0.5).causallyMasked()
            return matmul(scores.softmax(), p[2])
        }
    }
}
