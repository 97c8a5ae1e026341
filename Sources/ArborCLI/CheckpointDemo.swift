import Arbor
import ArborCheckpoint
import ArborExamples
import Foundation

/// Part 2 of the demo: train the two-spirals example with a `CheckpointManager`
/// (latest 3 + best 1), interrupt it midway, resume from the latest step in a
/// fresh model and optimizer, finish, and check the result equals an
/// uninterrupted run bit for bit. With `--workdir` the checkpoints persist, so a
/// second run (also after a kill at any moment) resumes from the latest step.
struct CheckpointDemo {
    let checkpoints: URL
    let seed: UInt64 = 7
    let epochs = 30
    let interruptAfter = 15

    func run() async throws {
        print("2. checkpoints: train, interrupt, resume, compare with an uninterrupted run")
        let reference = TwoSpiralsExample(seed: seed)
        var referenceLosses: [Float] = []
        let referenceSeconds = try seconds {
            for _ in 0..<epochs { referenceLosses.append(try reference.epoch()) }
        }
        let stepsPerEpoch = reference.stepsPerEpoch
        let totalSteps = epochs * stepsPerEpoch
        let options = CheckpointManager.Options(
            savePolicy: SavePolicy(every: stepsPerEpoch),
            retention: RetentionPolicy(keepLatest: 3, keepBest: .init(metric: "loss", mode: .min, count: 1)))

        var losses: [Int: Float] = [:]
        var manager = try CheckpointManager(directory: checkpoints, options: options)
        // A step whose save was cut short is skipped (restore uses the latest complete
        // step) and replaced when that step is saved again; the user is told.
        for entry in try CheckpointDirectory(url: checkpoints).entries() where !entry.isComplete {
            FileHandle.standardError.write(Data(
                "warning: skipping incomplete step \(entry.step) in \(checkpoints.path): \(entry.problem ?? "incomplete")\n".utf8))
        }
        var run = TwoSpiralsExample(seed: seed)
        if let latest = try await manager.latestStep() {
            try await restore(run, from: manager, step: latest)
            print("   found step \(latest) in \(checkpoints.path): resuming from it")
        } else {
            print("   training \(interruptAfter) of \(epochs) epochs, saving every epoch …")
            try await train(run, until: interruptAfter * stepsPerEpoch, manager: manager, losses: &losses)
            try await manager.close()
            let interrupted = Int(run.stepCount)
            print("   interrupted at step \(interrupted): the model and optimizer are dropped")
            manager = try CheckpointManager(directory: checkpoints, options: options)
            run = TwoSpiralsExample(seed: seed)   // fresh weights, fresh optimizer
            let latest = try await manager.latestStep() ?? 0
            try await restore(run, from: manager, step: latest)
            print("   resumed from the latest step, \(latest), in a new model and optimizer")
        }
        try await train(run, until: totalSteps, manager: manager, losses: &losses)
        try await manager.close()

        let resumed = try run.checkpointState
        let expected = try reference.checkpointState
        guard resumed == expected else {
            throw DemoError.check("the resumed run differs from the uninterrupted one: \(resumed.diff(expected))")
        }
        print("   finished at step \(run.stepCount): all \(resumed.count) tensors (\(ByteCount.text(resumed.byteCount))) of "
              + "params, optimizer state, RNG state and BatchNorm statistics equal the uninterrupted run bit for bit")
        print("   (uninterrupted run: \(ms(referenceSeconds)))\n")
        print(LossChart(losses: referenceLosses).render().split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
        let (loss, accuracy) = run.evaluate()
        print(String(format: "   final: loss %.4f, accuracy %.1f%% on the two spirals\n", loss, accuracy * 100))

        let steps = try CheckpointDirectory(url: checkpoints).entries()
        print("   kept steps (latest 3 + best 1 by loss): "
              + steps.map { "\($0.step)" + (($0.metadata?.metrics["loss"]).map { String(format: " (loss %.4f)", $0) } ?? "") }
                .joined(separator: ", "))
    }

    private func train(_ run: TwoSpiralsExample, until steps: Int, manager: CheckpointManager,
                       losses: inout [Int: Float]) async throws {
        while run.stepCount < steps {
            let loss = try run.step()
            let step = Int(run.stepCount)
            losses[step] = loss
            if step % run.stepsPerEpoch == 0 {
                let evaluation = run.evaluate().loss
                try await manager.save(step: step, items: ["train": .state(try run.checkpointState)],
                                       metrics: ["loss": Double(evaluation)])
            }
        }
    }

    private func restore(_ run: TwoSpiralsExample, from manager: CheckpointManager, step: Int) async throws {
        // No target: the optimizer's moments do not exist before its first step, so
        // the checkpoint's own tree is the structure; `restore` validates it.
        let state = try await manager.restore(step: step, verify: true).state("train")
        try run.restore(state)
    }
}

/// A small text chart of loss per epoch.
struct LossChart {
    let losses: [Float]

    func render(width: Int = 40) -> String {
        guard let top = losses.max(), top > 0 else { return "" }
        return (["loss per epoch"] + losses.enumerated().map { epoch, loss in
            let bar = String(repeating: "█", count: max(1, Int((Float(width) * loss / top).rounded())))
            return String(format: "%3d %@ %.4f", epoch + 1, bar as NSString, loss)
        }).joined(separator: "\n")
    }
}
