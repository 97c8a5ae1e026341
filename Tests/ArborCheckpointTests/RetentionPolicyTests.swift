import Testing
@testable import ArborCheckpoint

@Suite struct RetentionPolicyTests {
    private func steps(_ values: [(Int, Double?)]) -> [(step: Int, metrics: [String: Double])] {
        values.map { ($0.0, $0.1.map { ["loss": $0] } ?? [:]) }
    }

    @Test func keepsEverythingByDefault() {
        let kept = RetentionPolicy.keepAll.stepsToKeep(steps([(1, nil), (2, nil), (3, nil)]))
        #expect(kept == [1, 2, 3])
    }

    @Test func keepsLatestN() {
        let kept = RetentionPolicy(keepLatest: 2).stepsToKeep(steps([(10, nil), (2, nil), (30, nil), (4, nil)]))
        #expect(kept == [10, 30], "steps compare as integers, not strings")
    }

    /// The bug other tools had: best-M plus max-to-keep evicted the newest step.
    @Test func bestNeverEvictsTheNewest() {
        let policy = RetentionPolicy(keepLatest: 1, keepBest: .init(metric: "loss", mode: .min, count: 1))
        let kept = policy.stepsToKeep(steps([(1, 0.1), (2, 0.5), (3, 0.9)]))
        #expect(kept == [1, 3])
    }

    @Test func keepLatestZeroStillKeepsNewest() {
        let kept = RetentionPolicy(keepLatest: 0).stepsToKeep(steps([(1, nil), (2, nil)]))
        #expect(kept == [2])
    }

    @Test func bestByMaxIgnoresMissingAndNaN() {
        let policy = RetentionPolicy(keepLatest: 1, keepBest: .init(metric: "loss", mode: .max, count: 2))
        let kept = policy.stepsToKeep(steps([(1, 0.3), (2, .nan), (3, nil), (4, 0.7), (5, 0.1), (6, 0.2)]))
        #expect(kept == [4, 1, 6])
    }

    @Test func keepEveryK() {
        let policy = RetentionPolicy(keepLatest: 1, keepEvery: 100)
        let kept = policy.stepsToKeep(steps((1...5).map { ($0 * 50, nil) }))
        #expect(kept == [100, 200, 250])
    }

    @Test func tiesGoToTheNewerStep() {
        let policy = RetentionPolicy(keepLatest: 0, keepBest: .init(metric: "loss", mode: .min, count: 1))
        let kept = policy.stepsToKeep(steps([(1, 0.5), (2, 0.5), (3, 0.9)]))
        #expect(kept == [2, 3])
    }
}

@Suite struct StepDirectoryNameTests {
    @Test func roundTrips() {
        #expect(StepDirectoryName.name(for: 100) == "step_00000100")
        #expect(StepDirectoryName.name(for: 123_456_789) == "step_123456789")
        #expect(StepDirectoryName.step(fromName: "step_00000100") == 100)
        #expect(StepDirectoryName.step(fromName: "step_123456789") == 123_456_789)
    }

    @Test func rejectsOtherNames() {
        for name in ["step_", "step_12a", ".tmp-step_00000001-x", "stepx_1", "step_-1", "step_99999999999999999999"] {
            #expect(StepDirectoryName.step(fromName: name) == nil, "\(name)")
        }
    }
}

@Suite struct SavePolicyTests {
    @Test func everyAndSpecificSteps() {
        let policy = SavePolicy(every: 10, steps: [3])
        #expect(policy.shouldSave(step: 20))
        #expect(policy.shouldSave(step: 3))
        #expect(!policy.shouldSave(step: 7))
        #expect(policy.shouldSave(step: 7, force: true))
        #expect(!SavePolicy(every: nil).shouldSave(step: 10))
    }
}
