import Arbor
import ArborDistributed
import ArborDistributedChecks
import ArborTensor
import Testing

struct RankFailure: Error, Equatable {}

@Suite struct ThreadProcessGroupTests {
    @Test(arguments: [1, 2, 3, 4])
    func everyCheckPassesOnThreadRanks(ranks: Int) throws {
        let outcomes = try ThreadProcessGroup.run(ranks: ranks) { group in
            DistributedCheck.run(DistributedCheck.all, group: group)
        }
        for (rank, list) in outcomes.enumerated() {
            for outcome in list { #expect(outcome.failure == nil, "rank \(rank) of \(ranks): \(outcome.name)") }
        }
    }

    @Test func aFailingRankDoesNotBlockTheOthers() {
        #expect(throws: RankFailure()) {
            try ThreadProcessGroup.run(ranks: 4) { group in
                if group.rank == 2 { throw RankFailure() }
                try group.barrier()
                _ = try group.allGather(bytes: [1])
            }
        }
    }

    @Test func peersOfAFailedRankSeePeerFailed() throws {
        let seen = try ThreadProcessGroup.run(ranks: 3) { group -> String in
            if group.rank == 0 { return "failed" }   // never joins the collective below
            do {
                try group.barrier()
                return "passed"
            } catch {
                return "\(error)"
            }
        }
        #expect(seen == ["failed", "rank 0 failed: it returned without joining this collective",
                         "rank 0 failed: it returned without joining this collective"])
    }

    @Test func singleProcessGroupIsTheIdentity() throws {
        let group = SingleProcessGroup()
        let tensor = Tensor([1, 2, 3] as [Float])
        #expect(try group.allReduce(tensor, op: .sum) == tensor)
        #expect(try group.reduceScatter(tensor, op: .sum) == tensor)
        #expect(try group.allGather(bytes: [4]) == [[4]])
        #expect(throws: ProcessGroupError.invalidRank(1, size: 1)) { try group.broadcast(bytes: [], root: 1) }
    }

    @Test func reductionsRefuseRawOnlyDTypes() throws {
        let tensor = Tensor(shape: [2], dtype: .complex64, storage: TensorStorage(allocating: 16))
        #expect(throws: ProcessGroupError.unsupportedDType(.complex64, operation: "reduction")) {
            try SingleProcessGroup().allReduce(tensor, op: .sum)
        }
    }

    @Test func theFSDPPatternOnFourThreadRanksHoldsAQuarterPerRank() throws {
        let figures = try ThreadProcessGroup.run(ranks: 4) { group in try ShardingChecks.fsdpPattern(group: group) }
        for (rank, figure) in figures.enumerated() {
            #expect(figure.gatheredEqual)
            let share = Double(figure.after) / Double(figure.before)
            #expect(abs(share - 0.25) < 0.01, "rank \(rank): \(figure.after) of \(figure.before) bytes")
            print("FSDP GPT-2 tiny, rank \(rank) of 4: \(figure.after) of \(figure.before) parameter bytes resident (\(share))")
        }
    }
}
