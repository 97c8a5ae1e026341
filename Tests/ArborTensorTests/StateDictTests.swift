import ArborTensor
import Testing

/// `StateDict`: ordered, one tensor per name, names compared byte for byte.
@Suite struct StateDictTests {
    private let a = Tensor([Float(1), 2])
    private let b = Tensor([Float(3)])

    @Test func keepsOrderAndLooksUpByName() throws {
        let dict = try StateDict([(name: "z", tensor: a), (name: "a", tensor: b)])
        #expect(dict.names == ["z", "a"])
        #expect(dict["a"] == b)
        #expect(dict["missing"] == nil)
        #expect(dict.byteCount == 12)
        #expect(dict.map(\.name) == ["z", "a"])
        let literal: StateDict = ["z": a, "a": b]
        #expect(literal == dict)
    }

    @Test func refusesADuplicateName() {
        #expect(throws: StateDictError.duplicateName("w")) {
            _ = try StateDict([(name: "w", tensor: a), (name: "b", tensor: b), (name: "w", tensor: b)])
        }
        var dict: StateDict = ["w": a]
        #expect(throws: StateDictError.duplicateName("w")) { try dict.append(name: "w", tensor: b) }
        #expect(dict.count == 1)
    }

    /// "é" precomposed and decomposed are equal Strings but two safetensors names.
    @Test func namesAreComparedByBytes() throws {
        let dict = try StateDict([(name: "caf\u{E9}", tensor: a), (name: "cafe\u{301}", tensor: b)])
        #expect(dict.count == 2)
        #expect(dict["cafe\u{301}"] == b)
    }

    @Test func subscriptReplacesAddsAndRemoves() {
        var dict: StateDict = ["x": a, "y": a, "z": a]
        dict["y"] = b
        dict["new"] = b
        dict["x"] = nil
        #expect(dict.names == ["y", "z", "new"])
        #expect(dict["y"] == b)
        #expect(dict["z"] == a)
    }

    @Test func castsOnlyFloatingPointTensors() throws {
        let ids = Tensor([Int64(1), 2])
        let dict: StateDict = ["w": a, "ids": ids]
        var seen: [String] = []
        let half = try dict.castingFloatingPoint(to: .bfloat16, afterEach: { seen.append($0.name) })
        #expect(half["w"]?.dtype == .bfloat16)
        #expect(half["ids"] == ids)
        #expect(seen == ["w", "ids"])
        let some = try dict.castingFloatingPoint(to: .float16, where: { $0.name != "w" })
        #expect(some["w"]?.dtype == .float32)
    }
}
