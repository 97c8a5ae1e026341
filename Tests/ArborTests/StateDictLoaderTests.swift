import Arbor
import ArborTensor
import Foundation
import Testing

/// Strict and lenient loading of flat state dicts into a State, with exact messages.
@Suite struct StateDictLoaderTests {
    static func target() throws -> State {
        func param(_ shape: [Int]) -> VariableState { VariableState(kind: .param, value: Tensor(zeros: shape)) }
        return try State(flat: [
            (Path([.name("blocks"), .index(0), .name("ln1"), .name("weight")]), param([4])),
            (Path([.name("blocks"), .index(0), .name("ln1"), .name("bias")]), param([4])),
            (Path([.name("wte"), .name("weight")]), param([8, 4])),
            (Path([.name("bn"), .name("mean")]), VariableState(kind: .batchStat, value: Tensor(zeros: [4]))),
        ])
    }

    static func ones(_ shape: [Int], _ dtype: DType = .float32) throws -> Tensor { try Tensor.ones(shape, dtype: dtype) }

    @Test func cleanLoadReplacesValuesAndCastsFloats() throws {
        let dict: StateDict = [
            ("blocks.0.ln1.weight", try Self.ones([4])), ("blocks.0.ln1.bias", try Self.ones([4], .bfloat16)),
            ("wte.weight", try Self.ones([8, 4])), ("bn.mean", try Self.ones([4])),
        ]
        let (state, report) = try StateDictLoader().load(dict, into: try Self.target())
        #expect(report.isClean)
        #expect(state.leaves.allSatisfy { $0.value.dtype == .float32 && (try? $0.value.floatValues().allSatisfy { $0 == 1 }) == true })
    }

    @Test func strictErrorListsEverythingWithNearMiss() throws {
        let dict: StateDict = [
            ("blocks.0.ln1.wieght", try Self.ones([4])), ("blocks.0.ln1.bias", try Self.ones([4])),
            ("wte.weight", try Self.ones([8, 5])), ("extra", try Self.ones([1])),
        ]
        let target = try Self.target()
        do throws(StateDictLoadError) {
            _ = try StateDictLoader().load(dict, into: target, source: "model.safetensors")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == """
            state dict model.safetensors does not fit the model: 2 missing, 2 unexpected, 1 mismatched
            key                 | status     | detail
            --------------------+------------+-------
            blocks.0.ln1.weight | MISSING    |
            blocks.0.ln1.wieght | UNEXPECTED | did you mean blocks.0.ln1.weight?
            bn.mean             | MISSING    |
            extra               | UNEXPECTED |
            wte.weight          | MISMATCH   | shape [8, 4] F32 in model, [8, 5] F32 in state dict
            """)
            #expect(error.report.suggestions == ["blocks.0.ln1.wieght": "blocks.0.ln1.weight"])
        }
    }

    @Test func lenientReturnsReportButShapeErrorsStillThrow() throws {
        let loader = StateDictLoader(strict: false, ignored: ["bn.mean"])
        let (state, report) = try loader.load([("wte.weight", try Self.ones([8, 4])), ("lm_head.weight", try Self.ones([8, 4]))],
                                              into: try Self.target())
        #expect(report.missing == ["blocks.0.ln1.bias", "blocks.0.ln1.weight"])
        #expect(report.unexpected == ["lm_head.weight"])
        #expect(state[Path([.name("wte"), .name("weight")])]?.value == (try Self.ones([8, 4])))
        #expect(throws: StateDictLoadError.self) {
            try loader.load([("wte.weight", try Self.ones([4, 8]))], into: try Self.target())
        }
    }

    @Test func dtypeMismatchWithoutCastIsReported() throws {
        let loader = StateDictLoader(strict: true, castFloats: false, ignored: ["bn.mean", "blocks.0.ln1.weight", "blocks.0.ln1.bias"])
        let target = try Self.target()
        let dict: StateDict = ["wte.weight": try Self.ones([8, 4], .float16)]
        do throws(StateDictLoadError) {
            _ = try loader.load(dict, into: target)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == """
            state dict does not fit the model: 0 missing, 0 unexpected, 1 mismatched
            key        | status   | detail
            -----------+----------+-------
            wte.weight | MISMATCH | dtype [8, 4] F32 in model, [8, 4] F16 in state dict
            """)
        }
    }
}
