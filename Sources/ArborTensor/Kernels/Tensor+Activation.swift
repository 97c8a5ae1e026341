import Foundation

/// Unary elementwise functions (f32), each with its gradient. The pullbacks reuse
/// the forward output where the derivative is a function of it (exp, tanh,
/// sigmoid, sqrt), which saves recomputing a transcendental.
extension Tensor {
    /// eˣ for each element.
    public func exp() -> Tensor {
        let out = map("exp") { Foundation.exp($0) }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [Tensor.zipMap(g, out) { $0 * $1 }] }
    }

    /// Natural logarithm of each element (`-inf` at 0, NaN below).
    public func log() -> Tensor {
        let out = map("log") { Foundation.log($0) }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [Tensor.zipMap(g, self) { $0 / $1 }] }
    }

    /// Hyperbolic tangent of each element.
    public func tanh() -> Tensor {
        let out = map("tanh") { Foundation.tanh($0) }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [Tensor.zipMap(g, out) { $0 * (1 - $1 * $1) }] }
    }

    /// Square root of each element.
    public func sqrt() -> Tensor {
        let out = map("sqrt") { $0.squareRoot() }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [Tensor.zipMap(g, out) { 0.5 * $0 / $1 }] }
    }

    /// 1/√x for each element (normalization layers).
    public func rsqrt() -> Tensor {
        let out = map("rsqrt") { 1 / $0.squareRoot() }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            [Tensor.zipMap(g, out) { -0.5 * $0 * $1 * $1 * $1 }]
        }
    }

    /// max(x, 0) for each element; the gradient at 0 is 0 (PyTorch's choice).
    public func relu() -> Tensor {
        let out = map("relu") { Swift.max($0, 0) }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [Tensor.zipMap(g, self) { $1 > 0 ? $0 : 0 }] }
    }

    /// 1 / (1 + e⁻ˣ) for each element, computed without overflow for large |x|.
    public func sigmoid() -> Tensor {
        let out = map("sigmoid") { x in
            x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [Tensor.zipMap(g, out) { $0 * $1 * (1 - $1) }] }
    }

    /// Which formula `gelu` uses.
    public enum GELUApproximation: Sendable {
        /// x·Φ(x) with the exact normal CDF (PyTorch's default, `approximate="none"`).
        case none
        /// The tanh approximation GPT-2 was trained with (`approximate="tanh"`).
        case tanh
    }

    /// Gaussian error linear unit of each element.
    public func gelu(approximation: GELUApproximation = .none) -> Tensor {
        switch approximation {
        case .none:
            let out = map("gelu") { x in 0.5 * x * (1 + erf(x * Float(0.5).squareRoot())) }
            return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
                [Tensor.zipMap(g, self) { g, x in
                    let cdf = 0.5 * (1 + erf(x * Float(0.5).squareRoot()))
                    let pdf = Foundation.exp(-0.5 * x * x) / Float(2 * Double.pi).squareRoot()
                    return g * (cdf + x * pdf)
                }]
            }
        case .tanh:
            let c = Float(2 / Double.pi).squareRoot()
            let out = map("gelu") { x in 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) }
            return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
                [Tensor.zipMap(g, self) { g, x in
                    let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
                    let dInner = c * (1 + 3 * 0.044715 * x * x)
                    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner)
                }]
            }
        }
    }
}
