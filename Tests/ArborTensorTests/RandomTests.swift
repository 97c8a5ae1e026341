@testable import ArborTensor
import Foundation
import Testing

@Suite("Counter-based random numbers")
struct RandomTests {
    @Test("Philox4x32-10 matches Random123's known-answer vectors")
    func philoxKnownAnswers() {
        // Random123 kat_vectors: counter (4 words), key (2 words) -> output.
        #expect(Philox4x32.block(counter: .zero, key: .zero) == SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        #expect(Philox4x32.block(counter: SIMD4(repeating: .max), key: SIMD2(repeating: .max))
            == SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        #expect(Philox4x32.block(counter: SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344),
                                 key: SIMD2(0xA409_3822, 0x299F_31D0))
            == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    @Test("the same key gives the same bits; pinned values guard against drift across platforms")
    func determinism() throws {
        let key = RandomKey(seed: 42)
        let a = try Tensor.randomNormal(shape: [1000], key: key)
        let b = try Tensor.randomNormal(shape: [1000], key: key)
        #expect(a == b)
        #expect(key.block(0) == Philox4x32.block(counter: SIMD4(0, 0, 0, 0), key: SIMD2(42, 0)))
        // Pinned outputs: a change here changes every model initialised by Arbor.
        let u = try Tensor.randomUniform(shape: [4], key: key).scalars(as: Float.self)
        let w = key.block(0)
        #expect(u == (0..<4).map { Float(w[$0] >> 8) * 0x1p-24 })
        let n = try Tensor.randomNormal(shape: [4], key: key, dtype: .float64).scalars(as: Double.self)
        #expect(n.map(\.bitPattern) == RandomTests.pinnedNormal64, "\(n.map { String($0.bitPattern, radix: 16) })")
        let n32 = try Tensor.randomNormal(shape: [4], key: key).scalars(as: Float.self)
        #expect(n32.map(\.bitPattern) == RandomTests.pinnedNormal32, "\(n32.map { String($0.bitPattern, radix: 16) })")
    }

    static let pinnedNormal64: [UInt64] = [0x3FEC_5E30_047A_A1D8, 0x3FDC_1E68_EB62_3D70, 0xBFC4_0BC8_BC52_B056, 0xBF8C_1889_E75C_5396]
    static let pinnedNormal32: [UInt32] = [0xBF78_5E5C, 0x3E46_ACE8, 0xBF9E_28D2, 0x3FF6_433B]

    @Test("a longer draw starts with the numbers of a shorter one, for every sampler")
    func prefixProperty() throws {
        let key = RandomKey(seed: 7)
        for dtype in [DType.float32, .float64, .bfloat16] {
            let long = try Tensor.randomNormal(shape: [103], key: key, dtype: dtype).doubleValues()
            let short = try Tensor.randomNormal(shape: [5], key: key, dtype: dtype).doubleValues()
            #expect(Array(long.prefix(5)) == short)
            let longU = try Tensor.randomUniform(shape: [9], key: key, dtype: dtype).doubleValues()
            let shortU = try Tensor.randomUniform(shape: [3], key: key, dtype: dtype).doubleValues()
            #expect(Array(longU.prefix(3)) == shortU)
        }
        let mask = try Tensor.bernoulli(p: 0.5, shape: [10], key: key).scalars(as: Bool.self)
        #expect(try Array(mask.prefix(3)) == Tensor.bernoulli(p: 0.5, shape: [3], key: key).scalars(as: Bool.self))
    }

    @Test("split and fold give distinct keys; split(n)[i] does not depend on n")
    func derivation() {
        let key = RandomKey(seed: 0)
        let keys = key.split(64)
        #expect(Set(keys).count == 64 && !keys.contains(key))
        #expect(key.split(3)[0] == key.split(2)[0])
        let (a, b) = key.split()
        #expect(a == keys[0] && b == keys[1])
        let folded = (0..<64).map { key.fold(in: UInt64($0)) }
        #expect(Set(folded).count == 64 && Set(folded).isDisjoint(with: keys))
        #expect(key.fold(in: 5) == key.fold(in: 5))
        #expect(RandomKey(seed: key.rawValue) == key)
        #expect(RandomKey(seed: 0x1234_5678_9ABC_DEF0).description == "RandomKey(0x123456789abcdef0)")
    }

    @Test("streams of split keys are uncorrelated")
    func splitIndependence() throws {
        let (a, b) = RandomKey(seed: 1).split()
        let x = try Tensor.randomNormal(shape: [100_000], key: a, dtype: .float64).doubleValues()
        let y = try Tensor.randomNormal(shape: [100_000], key: b, dtype: .float64).doubleValues()
        #expect(abs(RandomTests.correlation(x, y)) < 0.015)  // ~4.7 standard errors
        let c = try Tensor.randomNormal(shape: [100_000], key: RandomKey(seed: 1).fold(in: 0), dtype: .float64).doubleValues()
        #expect(abs(RandomTests.correlation(x, c)) < 0.015)
    }

    @Test("uniform, normal and bernoulli statistics over 1e5 samples", arguments: [DType.float32, .float64, .bfloat16])
    func statistics(_ dtype: DType) throws {
        let count = 100_000
        let key = RandomKey(seed: 2024)
        let u = try Tensor.randomUniform(shape: [count], low: -2, high: 6, key: key, dtype: dtype).doubleValues()
        let (um, us) = RandomTests.meanAndStd(u)
        #expect(abs(um - 2) < 0.04 && abs(us - 8 / 12.0.squareRoot()) < 0.03)
        #expect(u.allSatisfy { $0 >= -2 && $0 <= 6 })
        let n = try Tensor.randomNormal(shape: [count], mean: 3, std: 0.5, key: key.fold(in: 1), dtype: dtype).doubleValues()
        let (nm, ns) = RandomTests.meanAndStd(n)
        #expect(abs(nm - 3) < 0.01 && abs(ns - 0.5) < 0.01)
        // Tails: P(|z| > 2) = 4.55%, P(|z| > 3) = 0.27%.
        let beyond2 = Double(n.filter { abs($0 - 3) > 1 }.count) / Double(count)
        let beyond3 = Double(n.filter { abs($0 - 3) > 1.5 }.count) / Double(count)
        #expect(abs(beyond2 - 0.0455) < 0.004 && abs(beyond3 - 0.0027) < 0.001)
        let mask = try Tensor.bernoulli(p: 0.3, shape: [count], key: key.fold(in: 2)).scalars(as: Bool.self)
        #expect(abs(Double(mask.filter { $0 }.count) / Double(count) - 0.3) < 0.006)
    }

    @Test("edge probabilities and argument errors")
    func edges() throws {
        let key = RandomKey(seed: 3)
        #expect(try Tensor.bernoulli(p: 1, shape: [1000], key: key).scalars(as: Bool.self).allSatisfy { $0 })
        #expect(try Tensor.bernoulli(p: 0, shape: [1000], key: key).scalars(as: Bool.self).allSatisfy { !$0 })
        #expect(throws: TensorError.self) { try Tensor.bernoulli(p: 1.5, shape: [2], key: key) }
        #expect(throws: TensorError.self) { try Tensor.bernoulli(p: .nan, shape: [2], key: key) }
        #expect(throws: TensorError.self) { try Tensor.randomNormal(shape: [2], std: -1, key: key) }
        #expect(throws: TensorError.self) { try Tensor.randomUniform(shape: [2], key: key, dtype: .int32) }
        #expect(throws: TensorError.negativeDimension(shape: [-2])) { try Tensor.randomUniform(shape: [-2], key: key) }
        #expect(try Tensor.randomNormal(shape: [0, 3], key: key).shape == [0, 3])
        #expect(try Tensor.randomNormal(shape: [], key: key).elementCount == 1)
        #expect(try Tensor.randomNormal(shape: [2, 2], key: key, dtype: .float8E4M3).dtype == .float8E4M3)
    }

    @Test("keys round-trip through Codable and reject unknown algorithms")
    func codable() throws {
        let key = RandomKey(seed: 0xDEAD_BEEF_0BAD_F00D)
        let data = try JSONEncoder().encode(key)
        #expect(String(decoding: data, as: UTF8.self).contains("philox4x32-10"))
        #expect(try JSONDecoder().decode(RandomKey.self, from: data) == key)
        let other = Data(#"{"algorithm":"threefry2x32","key":[1,2]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RandomKey.self, from: other) }
        let short = Data(#"{"algorithm":"philox4x32-10","key":[1]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RandomKey.self, from: short) }
    }

    @Test("deterministic log and sin/cos agree with the platform libm to ~1e-15")
    func deterministicMath() {
        var worst = 0.0
        for i in 1...20_000 {
            let x = Double(i) * 0x1p-14 * Double(i % 7 + 1) / 7
            worst = max(worst, abs(DeterministicMath.log(x) - Foundation.log(x)) / max(1, abs(Foundation.log(x))))
            let t = Double(i) / 20_000
            let (s, c) = DeterministicMath.sinCosOfTurns(t)
            worst = max(worst, abs(s - sin(2 * .pi * t)), abs(c - cos(2 * .pi * t)))
        }
        #expect(worst < 4e-15)
        #expect(abs(DeterministicMath.log(0x1p-33) - -33 * Foundation.log(2.0)) <= 2 * (22.0).ulp)
        #expect(DeterministicMath.log(1) == 0)
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        var sum = 0.0
        for i in x.indices { sum += x[i] * y[i] }
        return sum / Double(x.count)
    }

    static func meanAndStd(_ x: [Double]) -> (Double, Double) {
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        return (mean, variance.squareRoot())
    }
}
