import Arbor

/// Small modules shared by the tests.
final class Dense: Module {
    let weight: Param
    let bias: Param
    var features: Int

    init(_ inputs: Int, _ outputs: Int, fill: Float = 0) {
        weight = Param(Tensor([Float](repeating: fill, count: inputs * outputs), shape: [inputs, outputs]))
        bias = Param(shape: [outputs])
        features = outputs
    }
}
