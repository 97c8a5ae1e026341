/// Layer normalization over the last axis (f32), fused with its gradient.
extension Tensor {
    /// `(x − mean) / √(var + epsilon) · weight + bias` over the last axis, with the
    /// biased variance (as PyTorch's `LayerNorm`).
    ///
    /// - Parameters:
    ///   - weight: Scale, shape `[D]` (the last dimension), or `nil` for none.
    ///   - bias: Shift, shape `[D]`, or `nil` for none.
    ///   - epsilon: Added to the variance for stability.
    public func layerNorm(weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Float = 1e-5) -> Tensor {
        requireFloat32("layerNorm")
        precondition(rank >= 1, "layerNorm: needs rank ≥ 1, got shape \(shape)")
        let width = shape[rank - 1]
        for (name, p) in [("weight", weight), ("bias", bias)] {
            if let p { precondition(p.shape == [width], "layerNorm: \(name) shape \(p.shape) does not match input \(shape)") }
        }
        let rows = width == 0 ? 0 : elementCount / width
        // Normalized values and per-row 1/σ, kept for the pullback.
        var inverseStd = [Float](repeating: 0, count: rows)
        let normalized = Tensor.makeFloat32(shape) { out in
            withFloats { x in
                for r in 0..<rows {
                    let base = r * width
                    var mean: Float = 0
                    for j in 0..<width { mean += x[base + j] }
                    mean /= Float(width)
                    var variance: Float = 0
                    for j in 0..<width { let d = x[base + j] - mean; variance += d * d }
                    variance /= Float(width)
                    let inv = 1 / (variance + epsilon).squareRoot()
                    inverseStd[r] = inv
                    for j in 0..<width { out[base + j] = (x[base + j] - mean) * inv }
                }
            }
        }
        var out = normalized
        if let weight { out = Tensor.broadcastingMap(out, weight, "layerNorm") { $0 * $1 } }
        if let bias { out = Tensor.broadcastingMap(out, bias, "layerNorm") { $0 + $1 } }
        let saved = inverseStd
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return GradientTape.recordOperation(out, inputs: inputs) { g, want in
            // Gradient w.r.t. the normalized values, then the standard formula
            // dx = inv/D · (D·ĝ − Σĝ − x̂·Σ(ĝ⊙x̂)).
            let gHat = weight.map { Tensor.broadcastingMap(g, $0, "layerNorm") { $0 * $1 } } ?? g
            var result: [Tensor?] = []
            result.append(want[0] ? Tensor.rowwise(gHat, normalized) { r, gr, xr, dx in
                var sumG: Float = 0, sumGX: Float = 0
                for j in 0..<width { sumG += gr[j]; sumGX += gr[j] * xr[j] }
                let scale = saved[r] / Float(width)
                for j in 0..<width { dx[j] = scale * (Float(width) * gr[j] - sumG - xr[j] * sumGX) }
            } : nil)
            if weight != nil {
                result.append(want[result.count] ? Tensor.zipMap(g, normalized) { $0 * $1 }.summed(toShape: [width]) : nil)
            }
            if bias != nil { result.append(want[result.count] ? g.summed(toShape: [width]) : nil) }
            return result
        }
    }
}
