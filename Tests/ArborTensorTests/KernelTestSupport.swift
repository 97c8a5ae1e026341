import ArborTensor
import ArborTestSupport
import Testing

/// Deterministic test data (SplitMix64), so a failing case reproduces exactly.
struct TestRandom {
    private var bits: SplitMix64

    init(seed: UInt64) { bits = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { bits.next() }

    /// Uniform in `range`.
    mutating func float(in range: ClosedRange<Float> = -1...1) -> Float {
        range.lowerBound + Float(next() >> 40) / Float(1 << 24) * (range.upperBound - range.lowerBound)
    }

    /// A tensor of uniform values in `range`.
    mutating func tensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor((0..<shape.reduce(1, *)).map { _ in float(in: range) }, shape: shape)
    }

    /// Values with |x| ≥ 0.2, so finite differences never straddle a kink at 0.
    mutating func tensorAwayFromZero(_ shape: [Int]) -> Tensor {
        Tensor((0..<shape.reduce(1, *)).map { _ in
            let v = float(in: 0.2...1)
            return next() & 1 == 0 ? v : -v
        }, shape: shape)
    }
}

extension Tensor {
    /// The f32 elements.
    var floats: [Float] { scalars(as: Float.self) }
}

/// Whether `a` and `b` have the same shape and elements within `atol + rtol·|b|`
/// (NaNs must match). Temporary until the shared `allClose` lands.
func isClose(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6) -> Bool {
    guard a.shape == b.shape else { return false }
    return zip(a.floats, b.floats).allSatisfy { x, y in
        (x.isNaN && y.isNaN) || x == y || abs(x - y) <= atol + rtol * abs(y)
    }
}

/// Checks the tape's gradients of `function` at `inputs` against central
/// differences. The loss is `Σ function(x) ⊙ R` for a fixed random `R`, so every
/// output element contributes with a different weight.
func expectGradientsMatchFiniteDifferences(
    at inputs: [Tensor], step: Float = 1e-2, tolerance: Float = 1e-2,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Tensor]) -> Tensor
) {
    var random = TestRandom(seed: 99)
    let probe = function(inputs)
    let weights = random.tensor(probe.shape)
    func loss(_ points: [Tensor]) -> Float { (function(points) * weights).sum().floats[0] }
    let (_, analytic) = valueWithGradients(at: inputs) { (function($0) * weights).sum() }
    for (index, input) in inputs.enumerated() where input.dtype == .float32 {
        #expect(analytic[index].shape == input.shape, sourceLocation: sourceLocation)
        let values = input.floats
        let gradient = analytic[index].floats
        for element in values.indices {
            var points = inputs
            var plus = values, minus = values
            plus[element] += step
            minus[element] -= step
            points[index] = Tensor(plus, shape: input.shape)
            let up = loss(points)
            points[index] = Tensor(minus, shape: input.shape)
            let down = loss(points)
            let numeric = (up - down) / (2 * step)
            let scale = max(1, abs(numeric), abs(gradient[element]))
            #expect(abs(numeric - gradient[element]) <= tolerance * scale,
                    "input \(index) element \(element): tape \(gradient[element]), finite difference \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }
}
