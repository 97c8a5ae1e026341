import Arbor
import ArborDistributed
import ArborDistributedChecks
import Testing

@Suite struct FSDPTrainerTests {
    @Test(arguments: [1, 2, 4])
    func sgdTrainingOnThreadRanksEqualsOneProcess(ranks: Int) throws {
        let results = try ThreadProcessGroup.run(ranks: ranks) { group in
            try FSDPChecks.compare(group: group) { SGD(learningRate: 0.1, momentum: 0.9) }
        }
        for result in results { #expect(result.relative <= 1e-6) }
        if ranks == 1 { #expect(results[0].bitwise) }
        print("FSDP SGD, \(ranks) ranks: relative difference \(results[0].relative), bitwise \(results[0].bitwise)")
    }

    @Test(arguments: [1, 2, 4])
    func adamTrainingOnThreadRanksStaysClose(ranks: Int) throws {
        let results = try ThreadProcessGroup.run(ranks: ranks) { group in
            try FSDPChecks.compare(group: group) { Adam(learningRate: 0.01) }
        }
        for result in results { #expect(result.relative <= 1e-3) }
        print("FSDP Adam, \(ranks) ranks: relative difference \(results[0].relative), bitwise \(results[0].bitwise)")
    }

    @Test(arguments: [1, 2, 4])
    func twoSpiralsOnThreadRanksEqualsOneProcess(ranks: Int) throws {
        let results = try ThreadProcessGroup.run(ranks: ranks) { group in
            try FSDPChecks.compare(FSDPChecks.spirals, group: group, steps: 5) { SGD(learningRate: 0.2) }
        }
        for result in results { #expect(result.relative <= 1e-6) }
        print("FSDP two-spirals SGD, \(ranks) ranks: relative difference \(results[0].relative), bitwise \(results[0].bitwise)")
    }
}
