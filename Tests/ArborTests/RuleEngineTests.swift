import Arbor
import ArborTensor
import Foundation
import Testing

/// Rules never merge two tensors into one name at any step: the rule that
/// would do it is an error naming both sources, and `fuse` keeps every tensor.
@Suite struct RuleEngineTests {
    static func tensor(_ values: [Float]) -> Tensor { Tensor(values, shape: [values.count]) }
    static let fourParts: StateDict = [("a.q", tensor([1, 2])), ("a.k", tensor([3, 4])),
                                       ("b.q", tensor([5, 6])), ("b.k", tensor([7, 8]))]

    @Test func renamingTwoTensorsToOneNameNamesBothSources() throws {
        let rules = StateDictRules(name: "merge", rules: [.rename(#"^(a|b)\."#, to: "x."), .fuse(parts: [".q", ".k"], to: ".qk", axis: 0)])
        let error = #expect(throws: StateDictRuleError.self) { try rules.apply(Self.fourParts) }
        #expect(error == .nameCollision(ruleSet: "merge", rule: 0, tensor: "x.q", first: "a.q", second: "b.q"))
        #expect(error?.description == "rules merge, rule 0: a.q and b.q would both be named x.q; "
            + "a rule may not merge two tensors into one name")
        let prefixes = StateDictRules(name: "p", rules: [.stripPrefix("m."), .addPrefix("z.")])
        #expect(throws: StateDictRuleError.nameCollision(ruleSet: "p", rule: 0, tensor: "w", first: "m.w", second: "w")) {
            try prefixes.apply([("m.w", Self.tensor([1])), ("w", Self.tensor([2]))])
        }
    }

    @Test func fuseIntoANameAnotherTensorHasIsACollision() throws {
        let rules = StateDictRules(name: "f", rules: [.fuse(parts: [".q", ".k"], to: ".qk", axis: 0)])
        let error = #expect(throws: StateDictRuleError.self) {
            try rules.apply([("a.q", Self.tensor([1])), ("a.k", Self.tensor([2])), ("a.qk", Self.tensor([3]))])
        }
        #expect(error == .nameCollision(ruleSet: "f", rule: 0, tensor: "a.qk", first: "a.q + a.k", second: "a.qk"))
    }

    /// A part listed before its group's first part was kept on its own as
    /// well as fused; names equal only under Unicode equivalence ("é" and
    /// "e\u{301}") were taken for one and a tensor was dropped.
    @Test func fuseKeepsEveryTensorExactlyOnce() throws {
        let rules = StateDictRules(name: "f", rules: [.fuse(parts: [".q", ".k"], to: ".qk", axis: 0)])
        let out = try rules.apply([("a.k", Self.tensor([3])), ("a.q", Self.tensor([1]))])
        #expect(out.map(\.name) == ["a.qk"])
        #expect(out[0].tensor == Self.tensor([1, 3]))

        let composed = "x\u{E9}", decomposed = "xe\u{301}"
        let both = try rules.apply([(composed + ".q", Self.tensor([1])), (composed + ".k", Self.tensor([2])),
                                    (decomposed + ".q", Self.tensor([3])), (decomposed + ".k", Self.tensor([4]))])
        #expect(both.count == 2)
        #expect(both[composed + ".qk"] == Self.tensor([1, 2]))
        #expect(both.map { Array($0.name.utf8) }.contains(Array((decomposed + ".qk").utf8)))
        #expect(both.map(\.tensor).contains(Self.tensor([3, 4])))
    }
}
