import CArborKernels
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
        let out = arrayMap("tanh", arbor_tanh_f32)
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
            // Vectorized C loops (`CArborKernels`): libm's scalar tanhf dominated.
            let out = arrayMap("gelu", arbor_gelu_tanh_f32)
            return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
                precondition(g.shape == shape, "gelu: gradient shape \(g.shape) differs from \(shape)")
                return [Tensor.makeFloat32(shape) { dx in
                    g.withFloats { gp in withFloats { xp in
                        arbor_gelu_tanh_gradient_f32(gp.baseAddress, xp.baseAddress, dx.baseAddress, dx.count)
                    } }
                }]
            }
        }
    }

    /// `kernel(x, y, n)` over all elements into a new tensor (the C array kernels).
    private func arrayMap(_ op: StaticString,
                          _ kernel: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) -> Tensor {
        requireFloat32(op)
        return Tensor.makeFloat32(shape) { out in
            withFloats { x in kernel(x.baseAddress, out.baseAddress, out.count) }
        }
    }
}
