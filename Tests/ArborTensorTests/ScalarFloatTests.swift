import ArborTensor
import Testing

@Suite("BFloat16 and Float8 scalar types")
struct ScalarFloatTests {
    @Test("bfloat16 rounds to nearest even and keeps the sign of NaN")
    func bfloat16() {
        #expect(BFloat16(1.0 as Float).bitPattern == 0x3F80)
        #expect(BFloat16(Float(bitPattern: 0x3F80_8000)).bitPattern == 0x3F80)  // tie -> even
        #expect(BFloat16(Float(bitPattern: 0x3F81_8000)).bitPattern == 0x3F82)  // tie -> even (up)
        #expect(BFloat16(Float(bitPattern: 0x3F80_8001)).bitPattern == 0x3F81)
        #expect(BFloat16(Float.greatestFiniteMagnitude).bitPattern == 0x7F80)   // overflow -> inf
        #expect(BFloat16(-Float.nan).bitPattern == 0xFFC0)
        #expect(BFloat16(Float(bitPattern: 0x7F80_0001)).bitPattern == 0x7FC0)  // signalling -> quiet
        #expect(Float(BFloat16(bitPattern: 0x4049)) == 3.140625)
        #expect(BFloat16(3.14159 as Double).description == "3.140625")
        #expect(BFloat16(bitPattern: 0x7FC1).isNaN && !BFloat16(bitPattern: 0x7F80).isNaN)
    }

    @Test("float8 E4M3FN: 448 is the largest value, overflow and infinity become NaN")
    func e4m3() {
        #expect(Float8E4M3(448 as Float).bitPattern == 0x7E)
        #expect(Float8E4M3(464 as Float).bitPattern == 0x7E)   // tie rounds to even (448)
        #expect(Float8E4M3(465 as Float).bitPattern == 0x7F)   // NaN, not saturation
        #expect(Float8E4M3(-Float.infinity).bitPattern == 0xFF)
        #expect(Float8E4M3(0x1p-9 as Float).bitPattern == 0x01) // smallest subnormal
        #expect(Float8E4M3(0x1p-10 as Float).bitPattern == 0x00) // half of it: tie -> 0
        #expect(Float(Float8E4M3(bitPattern: 0x7E)) == 448)
        #expect(Float8E4M3(bitPattern: 0xFF).isNaN && Float(Float8E4M3(bitPattern: 0xFF)).sign == .minus)
    }

    @Test("float8 E5M2: 57344 is the largest value, overflow becomes infinity")
    func e5m2() {
        #expect(Float8E5M2(57344 as Float).bitPattern == 0x7B)
        #expect(Float8E5M2(61440 as Float).bitPattern == 0x7C)  // tie with the next step -> inf
        #expect(Float8E5M2(Float.nan).bitPattern == 0x7E)
        #expect(Float(Float8E5M2(bitPattern: 0x7C)) == .infinity)
        #expect(Float(Float8E5M2(bitPattern: 0x01)) == 0x1p-16)
        #expect(Float8E5M2(bitPattern: 0x7D).isNaN && !Float8E5M2(bitPattern: 0x7C).isNaN)
    }

    @Test("the wrappers are tensor elements")
    func tensorElements() throws {
        let t = Tensor([BFloat16(1.5 as Float), BFloat16(-2 as Float)])
        #expect(t.dtype == .bfloat16)
        #expect(try t.floatValues() == [1.5, -2])
        let e = Tensor([Float8E4M3(0.5 as Float)], shape: [1, 1])
        #expect(try e.converted(to: .float8E5M2).scalars(as: Float8E5M2.self) == [Float8E5M2(0.5 as Float)])
    }
}
