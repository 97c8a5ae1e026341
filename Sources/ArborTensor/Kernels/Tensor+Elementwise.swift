/// Broadcasting arithmetic on f32 tensors, each with its gradient.
///
/// Shapes broadcast as in NumPy (`[N, D] + [D]` adds a bias to every row); the
/// gradient flowing to a stretched operand is summed back to its shape.
extension Tensor {
    /// Elementwise sum, broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let out = broadcastingMap(lhs, rhs, "+") { $0 + $1 }
        let (a, b) = (lhs.shape, rhs.shape)
        return GradientTape.recordOperation(out, inputs: [lhs, rhs]) { g, want in
            [want[0] ? g.summed(toShape: a) : nil, want[1] ? g.summed(toShape: b) : nil]
        }
    }

    /// Elementwise difference, broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let out = broadcastingMap(lhs, rhs, "-") { $0 - $1 }
        let (a, b) = (lhs.shape, rhs.shape)
        return GradientTape.recordOperation(out, inputs: [lhs, rhs]) { g, want in
            [want[0] ? g.summed(toShape: a) : nil, want[1] ? g.map("-") { -$0 }.summed(toShape: b) : nil]
        }
    }

    /// Elementwise product, broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let out = broadcastingMap(lhs, rhs, "*") { $0 * $1 }
        return GradientTape.recordOperation(out, inputs: [lhs, rhs]) { g, want in
            [want[0] ? broadcastingMap(g, rhs, "*") { $0 * $1 }.summed(toShape: lhs.shape) : nil,
             want[1] ? broadcastingMap(g, lhs, "*") { $0 * $1 }.summed(toShape: rhs.shape) : nil]
        }
    }

    /// Elementwise quotient, broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let out = broadcastingMap(lhs, rhs, "/") { $0 / $1 }
        return GradientTape.recordOperation(out, inputs: [lhs, rhs]) { g, want in
            [want[0] ? broadcastingMap(g, rhs, "/") { $0 / $1 }.summed(toShape: lhs.shape) : nil,
             // d(a/b)/db = -(a/b)/b
             want[1] ? broadcastingMap(broadcastingMap(g, out, "/") { -$0 * $1 }, rhs, "/") { $0 / $1 }
                .summed(toShape: rhs.shape) : nil]
        }
    }

    /// The larger of each pair of elements, broadcasting. Where they tie, the
    /// gradient goes to `lhs` (as `relu(x) = maximum(x, 0)` expects).
    public static func maximum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let out = broadcastingMap(lhs, rhs, "maximum") { Swift.max($0, $1) }
        return GradientTape.recordOperation(out, inputs: [lhs, rhs]) { g, want in
            let lhsWins = broadcastingMap(lhs, rhs, "maximum") { $0 >= $1 ? 1 : 0 }
            return [want[0] ? zipMap(g, lhsWins) { $0 * $1 }.summed(toShape: lhs.shape) : nil,
                    want[1] ? zipMap(g, lhsWins) { $0 * (1 - $1) }.summed(toShape: rhs.shape) : nil]
        }
    }

    /// Elementwise negation.
    public static prefix func - (operand: Tensor) -> Tensor {
        let out = operand.map("-") { -$0 }
        return GradientTape.recordOperation(out, inputs: [operand]) { g, _ in [g.map("-") { -$0 }] }
    }

    // MARK: Scalar operands

    /// Adds `rhs` to every element.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor {
        let out = lhs.map("+") { $0 + rhs }
        return GradientTape.recordOperation(out, inputs: [lhs]) { g, _ in [g] }
    }

    /// Adds `lhs` to every element.
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs + lhs }

    /// Subtracts `rhs` from every element.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs + (-rhs) }

    /// `lhs` minus each element.
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { -rhs + lhs }

    /// Multiplies every element by `rhs`.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        let out = lhs.map("*") { $0 * rhs }
        return GradientTape.recordOperation(out, inputs: [lhs]) { g, _ in [g.map("*") { $0 * rhs }] }
    }

    /// Multiplies every element by `lhs`.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }

    /// Divides every element by `rhs`.
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs * (1 / rhs) }

    /// `lhs` divided by each element.
    public static func / (lhs: Float, rhs: Tensor) -> Tensor {
        let out = rhs.map("/") { lhs / $0 }
        return GradientTape.recordOperation(out, inputs: [rhs]) { g, _ in
            [zipMap(g, zipMap(out, rhs) { $0 / $1 }) { -$0 * $1 }]
        }
    }

    /// The larger of each element and `rhs` (`maximum(x, 0)` is ReLU).
    public static func maximum(_ lhs: Tensor, _ rhs: Float) -> Tensor {
        let out = lhs.map("maximum") { Swift.max($0, rhs) }
        return GradientTape.recordOperation(out, inputs: [lhs]) { g, _ in
            [zipMap(g, lhs) { $1 >= rhs ? $0 : 0 }]
        }
    }

    /// Each element squared (for squared-error losses).
    public func squared() -> Tensor {
        let out = map("squared") { $0 * $0 }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in [Tensor.zipMap(g, self) { 2 * $0 * $1 }] }
    }
}
