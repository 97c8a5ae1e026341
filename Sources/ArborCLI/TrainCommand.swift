import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborExamples
import ArgumentParser
import Foundation

/// `arbor train`: trains an example model with FSDP (each process holds 1/N
/// of the parameters and optimizer state) on one process, on N processes it
/// launches itself, or on the processes of `mpirun` (a build with the MPI
/// trait); `--check` compares the result with one process.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an example model with FSDP across processes.",
        discussion: """
            Every process holds 1/N of the parameters and optimizer state, gathers them for the \
            forward and backward pass on its share of each global batch, and reduce-scatters the \
            gradients in rank order. --processes N starts N processes of this executable on this \
            machine; under `mpirun -n N` (a build with `--traits MPI`) the MPI processes train together.
            --check retrains on one process with the same arithmetic (each process's mean gradient, \
            summed in rank order, × 1/N) and requires every parameter within 1e-6 relative.
            """
    )

    /// The example models.
    enum Model: String, CaseIterable, ExpressibleByArgument {
        /// Two-spirals classification with a small tanh MLP.
        case spirals
        /// Next-token prediction with the tiny GPT-2 (2 layers, width 64).
        case gpt2
    }

    @Option(help: "Model to train: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: Model = .spirals

    @Option(help: "Optimizer steps, 1...\(Self.maximumSteps).")
    var steps = 20

    @Option(help: "Rows per global batch, split equally between the processes (default: 32 spirals, 8 gpt2).")
    var globalBatch: Int?

    @Option(help: "Optimizer: \(TrainingOptimizer.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: TrainingOptimizer = .sgd

    @Option(help: "Learning rate (default: 0.1 for sgd, 0.003 for adam).")
    var learningRate: Float?

    @Option(help: "Seed of the data and the initial parameters.")
    var seed: UInt64 = 0

    @Option(help: "Processes to launch on this machine, 1...\(Self.maximumProcesses) (not with mpirun).")
    var processes = 1

    @Flag(help: "Afterwards, retrain on one process and require every parameter within 1e-6 relative (exit 1 otherwise).")
    var check = false

    // Hidden: set by the launcher for each process it starts (`--rank R
    // --rendezvous DIR`), and how long a collective waits for a missing peer.
    @Option(help: .hidden)
    var rank: Int?

    @Option(help: .hidden)
    var rendezvous: String?

    @Option(help: .hidden)
    var collectiveTimeout: Double = 120

    static let maximumSteps = 100_000
    static let maximumProcesses = 64
    static let maximumBatch = 1 << 16

    func validate() throws {
        guard (1...Self.maximumProcesses).contains(processes) else {
            throw ValidationError("--processes \(processes): must be 1...\(Self.maximumProcesses)")
        }
        guard (1...Self.maximumSteps).contains(steps) else {
            throw ValidationError("--steps \(steps): must be 1...\(Self.maximumSteps)")
        }
        guard (1...Self.maximumBatch).contains(batch) else {
            throw ValidationError("--global-batch \(batch): must be 1...\(Self.maximumBatch)")
        }
        guard batch % processes == 0 else {
            throw ValidationError("--global-batch \(batch) is not divisible by --processes \(processes): every process takes an equal share")
        }
        if let learningRate, !(learningRate.isFinite && learningRate > 0) {
            throw ValidationError("--learning-rate \(learningRate): must be a positive number")
        }
        guard collectiveTimeout.isFinite, collectiveTimeout > 0, collectiveTimeout <= 86_400 else {
            throw ValidationError("--collective-timeout \(collectiveTimeout): must be in (0, 86400] seconds")
        }
        if let rank {
            guard (0..<processes).contains(rank) else { throw ValidationError("--rank \(rank): must be 0..<\(processes)") }
            guard rendezvous != nil else { throw ValidationError("--rank needs --rendezvous DIR") }
        }
    }

    /// The global batch, or the model's default.
    var batch: Int { globalBatch ?? (model == .spirals ? 32 : 8) }

    func run() async throws {
        try await Terminal.failing {
            if let rank, let rendezvous {
                do {
                    let group = try DirectoryProcessGroup(directory: URL(fileURLWithPath: rendezvous), rank: rank, size: processes,
                                                          timeout: .milliseconds(Int64(collectiveTimeout * 1000)))
                    try train(group: group, label: "\(processes) processes")
                } catch let exit as ExitCode {
                    throw exit
                } catch {
                    throw TrainLauncher.Failure.child(rank: rank, "\(error)")
                }
            } else if let size = TrainLauncher.mpiWorldSize() {
                try trainUnderMPI(worldSize: size)
            } else if processes == 1 {
                try train(group: SingleProcessGroup(), label: "1 process")
            } else {
                try TrainLauncher(processes: processes).run(childArguments)
            }
        }
    }

    private func trainUnderMPI(worldSize: Int) throws {
        guard processes == 1 || processes == worldSize else {
            throw TrainLauncher.Failure.mpi("under mpirun the process count is mpirun's -n (\(worldSize)); drop --processes \(processes)")
        }
        guard batch % worldSize == 0 else {
            throw TrainLauncher.Failure.mpi("--global-batch \(batch) is not divisible by mpirun's -n \(worldSize)")
        }
        #if MPI
        let group = try MPIProcessGroup.world()
        // Finalize only after success: a rank that fails exits non-zero without
        // it, and mpirun then ends the ranks still waiting in a collective.
        try train(group: group, label: "\(worldSize) MPI process\(worldSize == 1 ? "" : "es")")
        MPIProcessGroup.finalize()
        #else
        guard TrainLauncher.mpiRank() == 0 else { throw ExitCode.failure }   // rank 0 says why
        throw TrainLauncher.Failure.mpi(
            "launched by mpirun (\(worldSize) processes), but this arbor was built without MPI; "
                + "install Open MPI (apt-get install openmpi-bin libopenmpi-dev pkg-config) and build with "
                + "`swift build -c release --traits MPI`, or use `arbor train --processes \(worldSize)` without mpirun")
        #endif
    }

    /// The options a launched child needs (its rank and rendezvous are added per child).
    var childArguments: [String] {
        var arguments = ["train", "--model", model.rawValue, "--steps", String(steps), "--global-batch", String(batch),
                         "--optimizer", optimizer.rawValue, "--seed", String(seed), "--processes", String(processes),
                         "--collective-timeout", String(collectiveTimeout)]
        if let learningRate { arguments += ["--learning-rate", String(learningRate)] }
        if check { arguments.append("--check") }
        return arguments
    }

    private func train(group: some ProcessGroup, label: String) throws {
        switch model {
        case .spirals: try train(TrainingTask.spirals(globalBatch: batch, seed: seed), group: group, label: label)
        case .gpt2: try train(TrainingTask.gpt2(globalBatch: batch, seed: seed), group: group, label: label)
        }
    }

    private func train<M: Module>(_ task: TrainingTask<M>, group: some ProcessGroup, label: String) throws {
        let lead = group.rank == 0
        let rate = learningRate ?? optimizer.defaultLearningRate
        if lead {
            print("arbor train: \(task.name), \(label) (FSDP), global batch \(task.globalBatch) "
                  + "(\(task.globalBatch / group.size) per process), \(optimizer.rawValue) lr \(rate), \(steps) steps, seed \(seed)")
        }
        let every = max(1, steps / 10)
        let clock = ContinuousClock()
        let start = clock.now
        let result = try task.trainFSDP(group: group, steps: steps, optimizer: optimizer.make(learningRate: learningRate)) {
            step, loss in
            if lead, step == 1 || step % every == 0 || step == steps {
                print("step \(step)  loss \(String(format: "%.6f", loss))")
                fflush(nil)   // progress shows as it happens, also through a pipe
            }
        }
        let elapsed = clock.now - start
        guard lead else { return }
        let resident = result.residentBytes.map { ByteCount.text($0) }.joined(separator: ", ")
        print("trained \(steps) steps on \(group.size) rank\(group.size == 1 ? "" : "s") in \(Self.seconds(elapsed)); "
              + "parameters \(ByteCount.text(result.fullBytes)) in full, resident per rank: \(resident)")
        if check { try runCheck(task, trained: result.parameters, ranks: group.size) }
    }

    private func runCheck<M: Module>(_ task: TrainingTask<M>, trained: State, ranks: Int) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let reference = try task.trainAccumulated(ranks: ranks, steps: steps, optimizer: optimizer.make(learningRate: learningRate))
        let agreement = ParameterAgreement(trained, reference: reference)
        print("check: one process, \(ranks) micro-batch mean gradient\(ranks == 1 ? "" : "s") per step summed in rank order "
              + "× 1/\(ranks) (the FSDP arithmetic), \(Self.seconds(clock.now - start))")
        for entry in agreement.entries {
            print("  \(entry.path)  relative \(Self.figure(entry.relative))  \(entry.bitwise ? "bitwise equal" : "differs")")
        }
        let global = ParameterAgreement(trained, reference: try task.trainGlobalBatch(
            steps: steps, optimizer: optimizer.make(learningRate: learningRate)))
        print("check: one mean over each global batch instead: max relative difference \(Self.figure(global.maxRelative)) "
              + "(rounds differently; for information)")
        let passed = agreement.maxRelative <= 1e-6
        print("check: max relative difference \(Self.figure(agreement.maxRelative)) over \(agreement.entries.count) parameters, "
              + "bitwise equal: \(agreement.bitwise ? "yes" : "no"); limit 1e-6: \(passed ? "ok" : "FAILED")")
        guard passed else { throw ExitCode.failure }
    }

    private static func figure(_ value: Double) -> String { value == 0 ? "0" : String(format: "%.2e", value) }

    private static func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        return String(format: "%.2f s", Double(whole) + Double(fraction) / 1e18)
    }
}

extension TrainingOptimizer: ExpressibleByArgument {}
