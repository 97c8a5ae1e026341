/// NumPy broadcasting: shapes are aligned at their last axis; a dimension of 1 (or
/// a missing leading one) stretches to match the other operand.
extension Tensor {
    /// The shape two operands broadcast to; traps naming `op` and both shapes when
    /// they are incompatible.
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: StaticString = "broadcast") -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
            let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
            precondition(x == y || x == 1 || y == 1, "\(op): shapes \(a) and \(b) do not broadcast")
            result[axis] = x == 1 ? y : x
        }
        return result
    }

    /// Strides of `shape` viewed as `target` (which it broadcasts to): 0 along
    /// stretched axes.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(of: shape)
        let offset = target.count - shape.count
        return target.indices.map { axis in
            axis < offset || shape[axis - offset] == 1 ? 0 : own[axis - offset]
        }
    }

    /// `f` applied to elements of `a` and `b` paired by broadcasting.
    @inline(__always)
    static func broadcastingMap(_ a: Tensor, _ b: Tensor, _ op: StaticString,
                                _ f: (Float, Float) -> Float) -> Tensor {
        a.requireFloat32(op)
        b.requireFloat32(op)
        // Element pointers straight from storage (both tensors stay alive to the
        // end of this function): reached through `withFloats` closures, `f` was
        // not inlined and cost a call per element.
        if a.shape == b.shape {
            return withExtendedLifetime((a, b)) {
                makeFloat32(a.shape) { out in
                    guard let x = a.floatBase, let y = b.floatBase else { return }
                    for i in 0..<out.count { out[i] = f(x[i], y[i]) }
                }
            }
        }
        let shape = broadcastShape(a.shape, b.shape, op: op)
        let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
        return withExtendedLifetime((a, b)) { makeFloat32(shape) { out in
            guard out.count > 0 else { return }
            do {
                guard let xp = a.floatBase, let yp = b.floatBase, let op = out.baseAddress else { return }
                let inner = shape.last ?? 1
                let ia = sa.last ?? 0, ib = sb.last ?? 0
                var index = [Int](repeating: 0, count: Swift.max(shape.count - 1, 0))
                var offA = 0, offB = 0, offOut = 0
                while offOut < out.count {
                    let pa = xp + offA, pb = yp + offB, po = op + offOut
                    // Specialised inner loops so the contiguous cases vectorize.
                    switch (ia, ib) {
                    case (1, 1): for j in 0..<inner { po[j] = f(pa[j], pb[j]) }
                    case (1, 0): let v = pb[0]; for j in 0..<inner { po[j] = f(pa[j], v) }
                    case (0, 1): let v = pa[0]; for j in 0..<inner { po[j] = f(v, pb[j]) }
                    default: for j in 0..<inner { po[j] = f(pa[j * ia], pb[j * ib]) }
                    }
                    offOut += inner
                    // Odometer over the outer axes.
                    var axis = index.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offA += sa[axis]; offB += sb[axis]
                        if index[axis] < shape[axis] { break }
                        offA -= sa[axis] * shape[axis]; offB -= sb[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        } }
    }

    /// `f` applied to each element.
    @inline(__always)
    func map(_ op: StaticString, _ f: (Float) -> Float) -> Tensor {
        requireFloat32(op)
        return withExtendedLifetime(self) {
            Tensor.makeFloat32(shape) { out in
                guard let x = floatBase else { return }
                for i in 0..<out.count { out[i] = f(x[i]) }
            }
        }
    }

    /// `f` applied to pairs of elements of two same-shaped tensors (pullbacks).
    @inline(__always)
    static func zipMap(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape, "zipMap: shapes \(a.shape) and \(b.shape) differ")
        return withExtendedLifetime((a, b)) {
            makeFloat32(a.shape) { out in
                guard let x = a.floatBase, let y = b.floatBase else { return }
                for i in 0..<out.count { out[i] = f(x[i], y[i]) }
            }
        }
    }

    /// `f` applied to triples of elements of three same-shaped tensors (pullbacks).
    @inline(__always)
    static func zipMap(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape && b.shape == c.shape, "zipMap: shapes \(a.shape), \(b.shape), \(c.shape) differ")
        return withExtendedLifetime((a, b, c)) {
            makeFloat32(a.shape) { out in
                guard let x = a.floatBase, let y = b.floatBase, let z = c.floatBase else { return }
                for i in 0..<out.count { out[i] = f(x[i], y[i], z[i]) }
            }
        }
    }

    /// Sums a broadcast result back down to `target`, the shape of an operand that
    /// was stretched: the adjoint of broadcasting, used by every binary pullback.
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let extra = rank - target.count
        precondition(extra >= 0, "summed(toShape:): shape \(shape) cannot reduce to \(target)")
        var axes = Array(0..<extra)
        for (i, dimension) in target.enumerated() where dimension == 1 && shape[extra + i] != 1 {
            axes.append(extra + i)
        }
        let reduced = sum(alongAxes: axes, keepingDimensions: true)
        return reduced.reshapedUnchecked(target)
    }

    /// This tensor stretched to `target` by broadcasting (a materialized copy).
    public func broadcast(to target: [Int]) -> Tensor {
        let result = Tensor.broadcastingMap(self, Tensor(zeros: target), "broadcast(to:)") { x, _ in x }
        precondition(result.shape == target, "broadcast(to:): shape \(shape) does not broadcast to \(target)")
        let sourceShape = shape
        return GradientTape.recordOperation(result, inputs: [self]) { g, _ in [g.summed(toShape: sourceShape)] }
    }
}
