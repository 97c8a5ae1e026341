import Arbor

/// A deterministic two-spirals classification set: two interleaved spirals in
/// the plane, class 0 and class 1, with Gaussian jitter, all drawn from one
/// `RandomKey` (and computed without libm, so every platform gives the same bits).
public struct TwoSpirals: Sendable {
    /// Points `[count, 2]`, float32.
    public let points: Tensor
    /// Labels `[count]`, Int64 (0 or 1).
    public let labels: Tensor

    /// `count` points (half per class, `count` even) with jitter `noise`.
    public init(count: Int, noise: Double = 0.05, turns: Double = 1.5, key: RandomKey) {
        precondition(count > 0 && count % 2 == 0, "TwoSpirals: count must be positive and even, got \(count)")
        let (tKey, noiseKey) = key.split()
        do {
            let t = try Tensor.randomUniform(shape: [count], key: tKey, dtype: .float64).scalars(as: Double.self)
            let jitter = try Tensor.randomNormal(shape: [count, 2], std: noise, key: noiseKey, dtype: .float64)
                .scalars(as: Double.self)
            var xy: [Float] = []
            var classes: [Int64] = []
            xy.reserveCapacity(2 * count)
            for i in 0..<count {
                let label = i % 2
                let s = 0.1 + 0.9 * t[i]                       // radius
                let angle = 2 * Double.pi * turns * s + Double(label) * Double.pi
                let (sine, cosine) = TwoSpirals.sinCos(angle)
                xy.append(Float(s * cosine + jitter[2 * i]))
                xy.append(Float(s * sine + jitter[2 * i + 1]))
                classes.append(Int64(label))
            }
            points = Tensor(xy, shape: [count, 2])
            labels = Tensor(classes)
        } catch {
            preconditionFailure("TwoSpirals: \(error)")
        }
    }

    /// The number of points.
    public var count: Int { labels.elementCount }

    /// Rows `range` as a batch.
    public func batch(_ range: Range<Int>) -> (points: Tensor, labels: Tensor) {
        (points.sliced(alongAxis: 0, range), labels.slicedRows(range))
    }

    /// Sine and cosine by range reduction and Taylor series (bit-reproducible).
    public static func sinCos(_ x: Double) -> (Double, Double) {
        let twoPi = 2 * Double.pi
        var r = x - (x / twoPi).rounded(.down) * twoPi   // [0, 2π)
        if r > Double.pi { r -= twoPi }                    // (-π, π]
        var sine = 0.0, cosine = 0.0, term = 1.0
        for n in 0..<30 {
            let signed = (n / 2) % 2 == 0 ? term : -term
            if n % 2 == 0 { cosine += signed } else { sine += signed }
            term *= r / Double(n + 1)
        }
        return (sine, cosine)
    }
}

extension Tensor {
    /// Rows `range` of an Int64 vector (labels are not float, so `sliced` does not apply).
    fileprivate func slicedRows(_ range: Range<Int>) -> Tensor {
        Tensor(Array(scalars(as: Int64.self)[range]))
    }
}
