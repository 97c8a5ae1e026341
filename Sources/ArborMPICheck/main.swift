// arbor-mpi-check: the distributed checks (collectives against serial
// references, sharding across ranks, FSDP training) on real processes.
//
//   swift build --traits MPI --scratch-path .build-mpi --product arbor-mpi-check
//   mpirun --allow-run-as-root -n 4 --oversubscribe .build-mpi/debug/arbor-mpi-check
//
// Without the MPI trait, `--threads N` runs the same checks on thread ranks.
// Rank 0 prints one line per check and `mpi: P passed, F failed`; every rank
// exits non-zero when any check failed on any rank.
import ArborDistributed
import ArborDistributedChecks
import Foundation

func report(_ outcomes: [DistributedCheck.Outcome], group: some ProcessGroup, label: String) throws -> Int32 {
    let failures = outcomes.map { $0.failure == nil ? UInt8(0) : UInt8(1) }
    let everyRank = try group.allGather(bytes: failures)
    var failedNames: [String] = []
    for (index, outcome) in outcomes.enumerated() {
        let failedOn = everyRank.indices.filter { everyRank[$0][index] != 0 }
        if group.rank == 0 {
            print(failedOn.isEmpty ? "ok    \(outcome.name)" : "FAIL  \(outcome.name) on ranks \(failedOn)")
        }
        if let failure = outcome.failure { print("rank \(group.rank): \(outcome.name): \(failure)") }
        if !failedOn.isEmpty { failedNames.append(outcome.name) }
    }
    if group.rank == 0 {
        print("\(label): \(outcomes.count - failedNames.count) passed, \(failedNames.count) failed (\(group.size) ranks)")
    }
    return failedNames.isEmpty ? 0 : 1
}

let arguments = CommandLine.arguments
var status: Int32 = 0
do {
    if let flag = arguments.firstIndex(of: "--threads"), flag + 1 < arguments.count, let ranks = Int(arguments[flag + 1]) {
        let codes = try ThreadProcessGroup.run(ranks: ranks) { group in
            try report(DistributedCheck.run(DistributedCheck.all, group: group), group: group, label: "threads")
        }
        status = codes.max() ?? 1
    } else {
        #if MPI
        let group = try MPIProcessGroup.world()
        status = try report(DistributedCheck.run(DistributedCheck.all, group: group), group: group, label: "mpi")
        MPIProcessGroup.finalize()
        #else
        FileHandle.standardError.write(Data("arbor-mpi-check: built without the MPI trait; rebuild with --traits MPI, or pass --threads N\n".utf8))
        status = 2
        #endif
    }
} catch {
    FileHandle.standardError.write(Data("arbor-mpi-check: \(error)\n".utf8))
    status = 1
}
exit(status)
