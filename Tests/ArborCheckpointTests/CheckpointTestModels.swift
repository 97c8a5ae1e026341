import Arbor
import Foundation
@testable import ArborCheckpoint

/// A layer with a weight and a bias, values derived from `seed` so tests can
/// tell layers apart after a restore.
final class TestLayer: Module {
    let weight: Param
    let bias: Param

    init(inputs: Int, outputs: Int, seed: Float) {
        weight = Param(Tensor((0..<(inputs * outputs)).map { Float($0) + seed }, shape: [outputs, inputs]))
        bias = Param(Tensor((0..<outputs).map { -Float($0) - seed }, shape: [outputs]))
    }
}

/// A stack of layers (integer path keys) with running statistics.
final class TestStack: Module {
    let layers: [TestLayer]
    let runningMean: BatchStat

    init(depth: Int, width: Int = 4) {
        layers = (0..<depth).map { TestLayer(inputs: width, outputs: width, seed: Float($0) * 100) }
        runningMean = BatchStat(Tensor([Float](repeating: 0.5, count: width), shape: [width]))
    }
}

/// A one-leaf State item (`w` = [value, value + 1]) for manager tests.
func paramsItem(_ value: Float) throws -> CheckpointItem {
    .state(try State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor([value, value + 1])))]))
}
