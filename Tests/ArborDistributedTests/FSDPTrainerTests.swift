import Arbor
import ArborDistributed
import ArborDistributedChecks
import ArborExamples
import Testing

/// FSDP on 1, 2 and 4 thread ranks against one process: bitwise against the
/// process that accumulates the ranks' mean gradients in rank order, and
/// within rounding of the process that takes one mean over each global batch.
@Suite struct FSDPTrainerTests {
    static func check<M: Module & SendableMetatype>(
        _ label: String, _ task: TrainingTask<M>, ranks: Int, steps: Int = 3, globalTolerance: Double,
        optimizer: @escaping @Sendable () -> any Optimizer
    ) throws {
        let results = try ThreadProcessGroup.run(ranks: ranks) { group in
            try FSDPChecks.compare(task, group: group, steps: steps, optimizer: optimizer)
        }
        for result in results {
            #expect(result.accumulated.bitwise, "\(label), \(ranks) ranks: relative \(result.accumulated.maxRelative)")
            #expect(result.accumulated.maxRelative <= 1e-6)
            #expect(result.globalBatch.maxRelative <= globalTolerance)
        }
        if ranks == 1 { #expect(results[0].globalBatch.bitwise) }
        print("FSDP \(label), \(ranks) ranks: accumulating reference relative \(results[0].accumulated.maxRelative) "
              + "bitwise \(results[0].accumulated.bitwise); global-batch reference relative \(results[0].globalBatch.maxRelative)")
    }

    @Test(arguments: [1, 2, 4])
    func gpt2SGDOnThreadRanksEqualsOneProcess(ranks: Int) throws {
        try Self.check("GPT-2 SGD", FSDPChecks.gpt2, ranks: ranks, globalTolerance: 1e-6) { SGD(learningRate: 0.1, momentum: 0.9) }
    }

    @Test(arguments: [1, 2, 4])
    func gpt2AdamOnThreadRanksEqualsOneProcess(ranks: Int) throws {
        try Self.check("GPT-2 Adam", FSDPChecks.gpt2, ranks: ranks, globalTolerance: 1e-3) { Adam(learningRate: 0.01) }
    }

    @Test(arguments: [1, 2, 4])
    func twoSpiralsSGDOnThreadRanksEqualsOneProcess(ranks: Int) throws {
        try Self.check("two-spirals SGD", FSDPChecks.spirals, ranks: ranks, steps: 5, globalTolerance: 1e-6) {
            SGD(learningRate: 0.2)
        }
    }

    @Test(arguments: [1, 2, 4])
    func twoSpiralsAdamOnThreadRanksEqualsOneProcess(ranks: Int) throws {
        try Self.check("two-spirals Adam", FSDPChecks.spirals, ranks: ranks, steps: 5, globalTolerance: 1e-3) {
            Adam(learningRate: 0.01)
        }
    }
}
