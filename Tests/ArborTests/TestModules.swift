import Arbor

/// A Linear-like layer: weight [inputs, outputs] filled with `fill`, zero bias.
final class Dense: Module {
    let weight: Param
    let bias: Param
    var features: Int

    init(_ inputs: Int, _ outputs: Int, fill: Float = 0) {
        weight = Param(shape: [inputs, outputs], initializer: Initializer { shape, _ in
            Tensor([Float](repeating: fill, count: shape.reduce(1, *)), shape: shape)
        })
        bias = Param(shape: [outputs])
        features = outputs
    }
}

/// Running statistics next to parameters.
final class Norm: Module {
    let scale: Param
    let mean: BatchStat
    var epsilon: Float = 1e-5

    init(_ size: Int) {
        scale = Param(Tensor([Float](repeating: 1, count: size), shape: [size]))
        mean = BatchStat(shape: [size])
    }
}

/// Arrays, optionals, dictionaries and plain settings together.
final class Stack: Module {
    let layers: [Dense]
    let norm: Norm?
    var heads: [String: Dense]
    var name: String
    var _scratch: [Float] = []

    init(widths: [Int], norm: Bool = true, heads: [String] = []) {
        layers = zip(widths, widths.dropFirst()).enumerated().map { Dense($0.element.0, $0.element.1, fill: Float($0.offset + 1)) }
        self.norm = norm ? Norm(widths.last!) : nil
        self.heads = Dictionary(uniqueKeysWithValues: heads.map { ($0, Dense(widths.last!, 1)) })
        name = "stack"
    }
}

/// An embedding whose output projection reuses the embedding table (tied weights).
final class TiedLM: Module {
    let embed: Param
    let head: Projection
    let blocks: [Dense]

    init(vocab: Int, width: Int) {
        let table = Param(Tensor((0..<(vocab * width)).map(Float.init), shape: [vocab, width]))
        embed = table
        head = Projection(weight: table)
        blocks = [Dense(width, width)]
    }
}

/// Holds a weight it does not own (for tying).
final class Projection: Module {
    let weight: Param
    init(weight: Param) { self.weight = weight }
}

/// The same sub-module in two places.
final class Siamese: Module {
    let left: Dense
    let right: Dense
    init() {
        let shared = Dense(2, 2, fill: 3)
        left = shared
        right = shared
    }
}

/// A module with genuine string keys "0" and "1" (not indices).
final class StringKeyed: Module {
    var experts: [String: Dense]
    init() { experts = ["0": Dense(2, 2, fill: 1), "1": Dense(2, 3, fill: 2)] }
}

/// A module keyed by integers through a dictionary.
final class IntKeyed: Module {
    var blocks: [Int: Dense]
    init() { blocks = [10: Dense(1, 1), 2: Dense(1, 1)] }
}

/// A user-defined variable kind.
final class Intermediate: Variable {}

/// A user kind with a stable name that differs from its class name.
final class Renamed: Variable {
    override class var kind: VariableKind { VariableKind("custom.Renamed") }
}

/// Helpers.
func floats(_ tensor: Tensor) -> [Float] { tensor.scalars(as: Float.self) }
func tensor(_ values: [Float], _ shape: [Int]) -> Tensor { Tensor(values, shape: shape) }
