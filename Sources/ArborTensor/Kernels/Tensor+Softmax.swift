import CArborKernels
import Foundation

/// Softmax, log-softmax and cross-entropy over the last axis (f32).
///
/// Each row subtracts its maximum before exponentiating, so large logits (1e4) do
/// not overflow. A row that is entirely `-inf` (fully masked) gives zeros from
/// `softmax` rather than NaN.
extension Tensor {
    /// exp(x) / Σ exp(x) along the last axis.
    public func softmax() -> Tensor {
        requireFloat32("softmax")
        precondition(rank >= 1, "softmax: needs rank ≥ 1, got shape \(shape)")
        let out = rowwise { row, out in
            let m = Tensor.rowMax(row)
            let total = arbor_exp_shifted_f32(row.baseAddress, m, out.baseAddress, row.count)
            let scale = total > 0 ? 1 / total : 0
            for j in 0..<row.count { out[j] *= scale }
        }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            // dx = y ⊙ (g − Σ g⊙y)
            [Tensor.rowwise(g, out) { _, gr, yr, dx in
                var dot: Float = 0
                for j in 0..<gr.count { dot += gr[j] * yr[j] }
                for j in 0..<gr.count { dx[j] = yr[j] * (gr[j] - dot) }
            }]
        }
    }

    /// x − log Σ exp(x) along the last axis (stable; no softmax-then-log).
    public func logSoftmax() -> Tensor {
        requireFloat32("logSoftmax")
        precondition(rank >= 1, "logSoftmax: needs rank ≥ 1, got shape \(shape)")
        let out = rowwise { row, out in
            // (x − max) − log Σ: subtracting the max first keeps the small terms exact.
            let (m, logTotal) = Tensor.rowShiftedLogSumExp(row)
            for j in 0..<row.count { out[j] = (row[j] - m) - logTotal }
        }
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            // dx = g − softmax(x) · Σ g
            [Tensor.rowwise(g, out) { _, gr, yr, dx in
                var total: Float = 0
                for j in 0..<gr.count { total += gr[j] }
                for j in 0..<gr.count { dx[j] = gr[j] - Foundation.exp(yr[j]) * total }
            }]
        }
    }

    /// Mean negative log-likelihood of integer class `labels` under `self` as logits.
    ///
    /// - Parameters:
    ///   - labels: Int32 or Int64 class indices, shape `self.shape.dropLast()`.
    /// - Returns: A scalar. The gradient is `(softmax − onehot) / rows`, computed in
    ///   one fused pass.
    public func crossEntropy(labels: Tensor) -> Tensor {
        requireFloat32("crossEntropy")
        precondition(rank >= 1 && labels.shape == Array(shape.dropLast()),
                     "crossEntropy: logits \(shape) need labels of shape \(Array(shape.dropLast())), got \(labels.shape)")
        let classes = shape.last ?? 0
        let targets = labels.indexValues("crossEntropy", bound: classes)
        let rows = targets.count
        var total: Double = 0
        // Each row's max + log Σ exp, kept for the pullback (no second pass of exps).
        var logNormalizers = [Float](repeating: 0, count: rows)
        withFloats { x in
            for r in 0..<rows {
                let row = UnsafeBufferPointer(rebasing: x[(r * classes)..<((r + 1) * classes)])
                let (m, logTotal) = Tensor.rowShiftedLogSumExp(row)
                logNormalizers[r] = m + logTotal
                total += Double(logTotal - (row[targets[r]] - m))
            }
        }
        let out = Tensor(scalar: Float(total / Double(rows)))
        let normalizers = logNormalizers
        return GradientTape.recordOperation(out, inputs: [self]) { g, _ in
            let scale = g.scalars(as: Float.self)[0] / Float(rows)
            return [rowwise { r, row, dx in
                // softmax = exp(x − (max + log Σ)), then scaled; the target loses `scale`.
                _ = arbor_exp_shifted_f32(row.baseAddress, normalizers[r], dx.baseAddress, row.count)
                for j in 0..<row.count { dx[j] *= scale }
                dx[targets[r]] -= scale
            }]
        }
    }

    // MARK: Row helpers

    static func rowMax(_ row: UnsafeBufferPointer<Float>) -> Float {
        var m = -Float.infinity
        for v in row { m = Swift.max(m, v) }
        return m == -.infinity ? 0 : m
    }

    /// The row's maximum `m` and `log Σ exp(x − m)`.
    static func rowShiftedLogSumExp(_ row: UnsafeBufferPointer<Float>) -> (max: Float, logTotal: Float) {
        let m = rowMax(row)
        return (m, Foundation.log(arbor_exp_shifted_f32(row.baseAddress, m, nil, row.count)))
    }

    /// A same-shaped result built one last-axis row at a time.
    func rowwise(_ body: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        rowwise { _, row, out in body(row, out) }
    }

    /// Like `rowwise(_:)`, also passing the row's index.
    func rowwise(_ body: (Int, UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let width = shape.last ?? 1
        return Tensor.makeFloat32(shape) { out in
            guard width > 0 else { return }
            withFloats { x in
                for r in 0..<(out.count / width) {
                    body(r, UnsafeBufferPointer(rebasing: x[(r * width)..<((r + 1) * width)]),
                         UnsafeMutableBufferPointer(rebasing: out[(r * width)..<((r + 1) * width)]))
                }
            }
        }
    }

    /// Like `rowwise`, reading rows of two same-shaped tensors.
    static func rowwise(_ a: Tensor, _ b: Tensor,
                        _ body: (Int, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let width = a.shape.last ?? 1
        return makeFloat32(a.shape) { out in
            guard width > 0 else { return }
            a.withFloats { x in b.withFloats { y in
                for r in 0..<(out.count / width) {
                    let range = (r * width)..<((r + 1) * width)
                    body(r, UnsafeBufferPointer(rebasing: x[range]), UnsafeBufferPointer(rebasing: y[range]),
                         UnsafeMutableBufferPointer(rebasing: out[range]))
                }
            } }
        }
    }
}
