import Arbor
import Foundation
import Testing

@Suite("PureDict as JSON")
struct PureDictCodableTests {
    private func state() throws -> State {
        try State(flat: [
            (["layers", 0, "bias"], VariableState(kind: .param, value: Tensor([0.1, -2.5] as [Float]))),
            (["layers", 1, "w"], VariableState(kind: .param, value: Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]))),
            (["step"], VariableState(kind: .batchStat, value: Tensor(scalar: Int64(7)))),
            (["half"], VariableState(kind: .param, value: try Tensor([0.5, 3], shape: [2], dtype: .bfloat16))),
        ])
    }

    @Test("one line each way; index keys come back through replace(byPureDict:)")
    func jsonRoundTrip() throws {
        let state = try state()
        // Failed before: `JSONEncoder().encode(state.toPureDict())` did not compile (PureDict was not Codable).
        let json = try JSONEncoder().encode(state.toPureDict())
        let decoded = try JSONDecoder().decode(PureDict.self, from: json)
        #expect(decoded == state.toPureDict().stringifyingKeys())   // JSON has string keys only
        var target = state.map { _, leaf in VariableState(kind: leaf.kind, value: Tensor(zeros: leaf.shape, dtype: leaf.dtype)) }
        try target.replace(byPureDict: decoded)
        #expect(target == state)
        #expect(decoded.restoringIntPaths() == state.toPureDict())
    }

    @Test("the format: tensors under a reserved key with base64 bytes; abstract tensors without data")
    func format() throws {
        let dict = try PureDict(flat: [(["a", 0], Tensor([1] as [Float])), (["b"], Tensor.abstract(shape: [3], dtype: .float16))])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(dict), as: UTF8.self)
        #expect(text == #"{"a":{"0":{"__tensor__":{"data":"AACAPw==","dtype":"float32","shape":[1]}}},"# +
            #""b":{"__tensor__":{"dtype":"float16","shape":[3]}}}"#)
        let back = try JSONDecoder().decode(PureDict.self, from: Data(text.utf8))
        #expect(back.tensor(at: ["b"])?.isAbstract == true)
        #expect(back.tensor(at: ["a", "0"]) == Tensor([1] as [Float]))
    }

    @Test("bad input is a decoding error, and the reserved key cannot be a node key")
    func errors() throws {
        let wrongSize = #"{"__tensor__":{"dtype":"float32","shape":[2],"data":"AACAPw=="}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PureDict.self, from: Data(wrongSize.utf8)) }
        let reserved = PureDict.node([.name("__tensor__"): .leaf(Tensor([1] as [Float]))])
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(reserved) }
    }

    @Test("toPureDict and restoringIntPaths have no fallbacks: documented results")
    func documentedResults() throws {
        #expect(State().toPureDict() == .node([:]))
        let root = try State(flat: [(Path.root, VariableState(kind: .param, value: Tensor([1] as [Float])))])
        #expect(root.toPureDict() == .leaf(Tensor([1] as [Float])))
        // Stringified keys that sort differently once restored ("10" < "2" as names).
        let names = try State(flat: (0..<12).map { i in
            (Path([.name("layers"), .name(String(i))]), VariableState(kind: .param, value: Tensor([Float(i)])))
        })
        let restored = names.restoringIntPaths()
        #expect(restored.paths == (0..<12).map { Path([.name("layers"), .index($0)]) })
        #expect(restored[["layers", 10]]?.value == Tensor([10] as [Float]))
    }
}
