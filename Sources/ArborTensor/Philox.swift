/// The Philox4x32-10 block function (Salmon, Moraes, Dror, Shaw: "Parallel random
/// numbers: as easy as 1, 2, 3", SC 2011), as in the Random123 library.
///
/// A pure function of a 128-bit counter and a 64-bit key: the same inputs give the
/// same 128 bits on every machine, in any order, on any thread. That is what lets
/// `RandomKey` be split and folded freely and lets tensors of random numbers be
/// generated in parallel or resumed mid-stream. Checked against Random123's
/// published known-answer vectors.
public enum Philox4x32 {
    /// Encrypts `counter` under `key` with the standard ten rounds.
    ///
    /// ```swift
    /// Philox4x32.block(counter: .zero, key: .zero)   // [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
    /// ```
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        let r = block(counter[0], counter[1], counter[2], counter[3], key[0], key[1])
        return SIMD4(r.0, r.1, r.2, r.3)
    }

    static let multiplier0: UInt32 = 0xD251_1F53
    static let multiplier1: UInt32 = 0xCD9E_8D57
    static let weyl0: UInt32 = 0x9E37_79B9
    static let weyl1: UInt32 = 0xBB67_AE85

    /// The scalar form used by the generators' inner loops.
    @inline(__always)
    static func block(
        _ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32, _ k0: UInt32, _ k1: UInt32
    ) -> (UInt32, UInt32, UInt32, UInt32) {
        var (x0, x1, x2, x3) = (c0, c1, c2, c3)
        var (key0, key1) = (k0, k1)
        for round in 0..<10 {
            if round > 0 { key0 &+= weyl0; key1 &+= weyl1 }
            let p0 = UInt64(multiplier0) &* UInt64(x0)
            let p1 = UInt64(multiplier1) &* UInt64(x2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            (x0, x1, x2, x3) = (hi1 ^ x1 ^ key0, lo1, hi0 ^ x3 ^ key1, lo0)
        }
        return (x0, x1, x2, x3)
    }
}
