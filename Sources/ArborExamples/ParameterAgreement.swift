import Arbor

/// How far one set of parameters is from a reference: per parameter the
/// relative difference ‖a − b‖₂ / ‖b‖₂ (the absolute ‖a − b‖₂ when ‖b‖ = 0)
/// and whether the two are bitwise equal. `arbor train --check` and the
/// distributed checks use it to compare an FSDP run with one process.
///
/// ```swift
/// let agreement = ParameterAgreement(trained, reference: expected)
/// print(agreement.maxRelative, agreement.bitwise)
/// ```
public struct ParameterAgreement: Sendable {
    /// One parameter's comparison.
    public struct Entry: Sendable {
        /// The parameter's path.
        public let path: Path
        /// Its relative difference (infinite when it is missing or differs in shape).
        public let relative: Double
        /// Whether it is bitwise equal to the reference.
        public let bitwise: Bool
    }

    /// Every reference parameter, in path order.
    public let entries: [Entry]

    /// Compares `actual` with `reference`, leaf by leaf (float32 values).
    public init(_ actual: State, reference: State) {
        entries = reference.flat.map { path, expected in
            guard let leaf = actual[path], leaf.shape == expected.shape, leaf.dtype == expected.dtype else {
                return Entry(path: path, relative: .infinity, bitwise: false)
            }
            return Entry(path: path, relative: Self.relative(leaf.value, expected.value),
                         bitwise: leaf.value == expected.value)
        }
    }

    /// The largest relative difference over all parameters.
    public var maxRelative: Double { entries.map(\.relative).max() ?? 0 }

    /// Whether every parameter is bitwise equal.
    public var bitwise: Bool { entries.allSatisfy(\.bitwise) }

    private static func relative(_ a: Tensor, _ b: Tensor) -> Double {
        let x = a.scalars(as: Float.self), y = b.scalars(as: Float.self)
        var difference = 0.0, norm = 0.0
        for i in y.indices {
            let delta = Double(x[i]) - Double(y[i])
            difference += delta * delta
            norm += Double(y[i]) * Double(y[i])
        }
        return norm == 0 ? difference.squareRoot() : (difference / norm).squareRoot()
    }
}
