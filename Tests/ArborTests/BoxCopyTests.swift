import ArborTensor
import ArborTestSupport
import Testing
@testable import Arbor

@Suite struct BoxCopyTests {
    /// The element at global `index` of a row-major array of `shape` starting at `origin`.
    private func linear(_ index: [Int], in box: IndexBox) -> Int {
        var offset = 0
        for d in index.indices { offset = offset * box.ranges[d].count + (index[d] - box.ranges[d].lowerBound) }
        return offset
    }

    @Test func copiesARegionBetweenTwoBoxesLikeAnElementLoop() throws {
        let sourceBox = IndexBox([1..<5, 0..<6, 2..<5]), destinationBox = IndexBox([2..<6, 1..<4, 0..<5])
        let region = try #require(sourceBox.intersection(destinationBox))
        #expect(region == IndexBox([2..<5, 1..<4, 2..<5]))
        let source = try Tensor.randomBytes(shape: sourceBox.shape, dtype: .int16, seed: 4)
        var destination = Tensor(zeros: destinationBox.shape, dtype: .int16)
        BoxCopy.copy(region: region, from: source, box: sourceBox, into: &destination, box: destinationBox)
        let from = source.scalars(as: Int16.self), to = destination.scalars(as: Int16.self)
        var expected = Array(repeating: Int16(0), count: destinationBox.elementCount)
        for i in region.ranges[0] { for j in region.ranges[1] { for k in region.ranges[2] {
            expected[linear([i, j, k], in: destinationBox)] = from[linear([i, j, k], in: sourceBox)]
        } } }
        #expect(to == expected)
    }

    @Test func emptyRegionsAndScalarsCopy() throws {
        var destination = Tensor(zeros: [], dtype: .float64)
        BoxCopy.copy(region: IndexBox([]), from: Tensor(scalar: 2.5), box: IndexBox([]), into: &destination, box: IndexBox([]))
        #expect(destination == Tensor(scalar: 2.5))
        var empty = Tensor(zeros: [0, 3])
        BoxCopy.copy(region: IndexBox([0..<0, 0..<3]), from: Tensor(zeros: [2, 3]), box: IndexBox([0..<2, 0..<3]),
                     into: &empty, box: IndexBox([0..<0, 0..<3]))
        #expect(empty.shape == [0, 3])
    }

    @Test func boxesIntersectAndContain() {
        let a = IndexBox([0..<4, 2..<6]), b = IndexBox([3..<8, 0..<3])
        #expect(a.intersection(b) == IndexBox([3..<4, 2..<3]))
        #expect(a.intersection(IndexBox([5..<6, 0..<1]))?.elementCount == 0)
        #expect(a.intersection(IndexBox([0..<1])) == nil)
        #expect(a.contains(IndexBox([1..<2, 2..<6])) && !a.contains(b))
        #expect(IndexBox(covering: [2, 3]).description == "[0..<2, 0..<3]")
    }
}
