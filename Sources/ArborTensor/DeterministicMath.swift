/// `log` and `sin`/`cos` written with basic IEEE operations only, for the normal
/// sampler.
///
/// Platform libms (glibc, Apple's libm, musl) may return results that differ in
/// the last bit, which would make "the same key gives the same numbers" false
/// across machines. These use only `+ - * /` and `squareRoot()`, which IEEE 754
/// defines exactly, with fixed evaluation order (Swift does not fuse multiply-add
/// unless asked), so every platform gets identical bits. Accuracy is within a few
/// units in the last place of Double, far beyond what a float32 sample needs.
enum DeterministicMath {
    /// Natural log of a positive, finite, normal `x`.
    @inline(__always)
    static func log(_ x: Double) -> Double {
        let bits = x.bitPattern
        var exponent = Int((bits >> 52) & 0x7FF) - 1023
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)  // [1, 2)
        if m > 1.4142135623730951 {
            m *= 0.5
            exponent += 1
        }
        // log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716.
        let s = (m - 1) / (m + 1)
        let z = s * s
        var p = 0.04
        p = 0.043478260869565216 + z * p
        p = 0.047619047619047616 + z * p
        p = 0.05263157894736842 + z * p
        p = 0.058823529411764705 + z * p
        p = 0.06666666666666667 + z * p
        p = 0.07692307692307693 + z * p
        p = 0.09090909090909091 + z * p
        p = 0.1111111111111111 + z * p
        p = 0.14285714285714285 + z * p
        p = 0.2 + z * p
        p = 0.3333333333333333 + z * p
        let logM = 2 * s + 2 * s * (z * p)
        let e = Double(exponent)
        return e * 0.6931471803691238 + (logM + e * 1.9082149292705877e-10)
    }

    /// `(sin(2πt), cos(2πt))` for `t` in [0, 1] given exactly (a dyadic fraction).
    @inline(__always)
    static func sinCosOfTurns(_ t: Double) -> (sin: Double, cos: Double) {
        // Reduce by quarter turns exactly, then evaluate on [-π/4, π/4].
        let quarter = (t * 4).rounded(.toNearestOrEven)
        let x = (t - quarter * 0.25) * 6.283185307179586
        let z = x * x
        var s = -8.22063524662433e-18
        s = 2.8114572543455206e-15 + z * s
        s = -7.647163731819816e-13 + z * s
        s = 1.6059043836821613e-10 + z * s
        s = -2.505210838544172e-08 + z * s
        s = 2.7557319223985893e-06 + z * s
        s = -0.0001984126984126984 + z * s
        s = 0.008333333333333333 + z * s
        s = -0.16666666666666666 + z * s
        let sine = x + x * (z * s)
        var c = 1.5619206968586225e-16
        c = -4.779477332387385e-14 + z * c
        c = 1.1470745597729725e-11 + z * c
        c = -2.08767569878681e-09 + z * c
        c = 2.755731922398589e-07 + z * c
        c = -2.48015873015873e-05 + z * c
        c = 0.001388888888888889 + z * c
        c = -0.041666666666666664 + z * c
        c = 0.5 + z * c
        let cosine = 1 - z * c
        switch Int(quarter) & 3 {
        case 0: return (sine, cosine)
        case 1: return (cosine, -sine)
        case 2: return (-sine, -cosine)
        default: return (-cosine, sine)
        }
    }
}
