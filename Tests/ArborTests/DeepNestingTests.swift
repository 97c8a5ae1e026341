import Arbor
import Testing

/// One link of a chain of wrappers: a weight and, optionally, the next link.
final class Link: Module {
    var inner: Link?
    let weight: Param

    init(_ value: Float) { weight = Param(Tensor([value])) }

    /// A chain `depth` links long; link `i` holds `[i]`.
    static func chain(depth: Int) -> Link {
        let root = Link(0)
        var last = root
        for i in 1..<depth {
            let next = Link(Float(i))
            last.inner = next
            last = next
        }
        return root
    }
}

@Suite("Models nested thousands of modules deep")
struct DeepNestingTests {
    /// 5,000 and 20,000 levels pass too (measured by hand); the suite keeps to 2,000
    /// because the cost grows with the square of the depth (every path spells out
    /// its ancestors).
    @Test("split, state, merge, clone and update of a 2,000-deep chain do not overflow the stack", arguments: [200, 2_000])
    func deepChain(depth: Int) throws {
        // Failed before: `Graph.split(chain)` crashed with SIGSEGV at ~1,500 levels (debug
        // build): the traversal recursed once per module, and merge once per init(from:).
        let model = Link.chain(depth: depth)
        let (graphdef, state) = try Graph.split(model)
        #expect(state.count == depth)
        // Sorted paths put the deepest first ("inner" < "weight").
        let deepest = Path(Array(repeating: PathKey.name("inner"), count: depth - 1) + [.name("weight")])
        #expect(state.paths.first == deepest, "the deepest leaf's path (\(state.paths.first?.count ?? 0) keys)")
        #expect(state.leaves.first?.value == Tensor([Float(depth - 1)]))

        let copy = try Graph.merge(graphdef, state)
        var link: Link? = copy, count = 0
        while let current = link {
            #expect(current.weight.value == Tensor([Float(count)]))
            count += 1
            link = current.inner
        }
        #expect(count == depth)
        #expect(try Graph.state(copy) == state)

        let doubled = state.map { _, leaf in VariableState(kind: leaf.kind, value: leaf.value * 2) }
        try Graph.update(model, doubled)
        #expect(try Graph.state(model) == doubled)
        #expect(try Graph.clone(model) !== model)
    }
}
