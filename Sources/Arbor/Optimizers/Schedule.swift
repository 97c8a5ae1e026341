/// A learning rate as a function of the (1-based) step, as a value so an
/// optimizer's configuration stays `Sendable` and printable.
public struct Schedule: Sendable {
    /// The rate at `step` (1 is the first update).
    public let rate: @Sendable (_ step: Int64) -> Float

    /// A schedule from a closure.
    public init(_ rate: @escaping @Sendable (_ step: Int64) -> Float) { self.rate = rate }

    /// The same rate at every step.
    public static func constant(_ value: Float) -> Schedule { Schedule { _ in value } }

    /// Rises linearly from `peak/warmupSteps` to `peak` over `warmupSteps`, then stays.
    public static func linearWarmup(peak: Float, warmupSteps: Int64) -> Schedule {
        Schedule { step in
            warmupSteps > 0 && step < warmupSteps ? peak * Float(step) / Float(warmupSteps) : peak
        }
    }

    /// Linear warmup to `peak`, then cosine decay to `final` at `totalSteps` (and after).
    public static func cosine(peak: Float, warmupSteps: Int64 = 0, totalSteps: Int64, final: Float = 0) -> Schedule {
        precondition(totalSteps > warmupSteps, "Schedule.cosine: totalSteps \(totalSteps) must exceed warmupSteps \(warmupSteps)")
        return Schedule { step in
            if warmupSteps > 0 && step < warmupSteps { return peak * Float(step) / Float(warmupSteps) }
            let progress = min(1, Double(step - warmupSteps) / Double(totalSteps - warmupSteps))
            let cosine = 0.5 * (1 + _cos(Double.pi * progress))
            return final + (peak - final) * Float(cosine)
        }
    }
}

@inline(__always)
private func _cos(_ x: Double) -> Double {
    // Deterministic (no libm): Taylor series, enough terms for |x| ≤ π.
    var result = 1.0, term = 1.0
    let x2 = x * x
    for n in stride(from: 2, through: 40, by: 2) {
        term *= -x2 / Double((n - 1) * n)
        result += term
    }
    return result
}
