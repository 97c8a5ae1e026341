import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts `arbor train --processes N` as N fresh processes of this executable
/// (hidden `--rank R --rendezvous DIR`), joined by a `DirectoryProcessGroup` in
/// a fresh temporary directory that is removed afterwards, and waits for them.
/// When one fails or is killed, the others are stopped at once (they would
/// otherwise wait for it until their collective timeout) and the launch fails
/// naming that rank.
struct TrainLauncher {
    /// Why a launch or an `mpirun` start cannot train.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// Ranks that failed, with how each ended (the first is the cause).
        case ranks([Int: String])
        /// A child could not be started.
        case start(String)
        /// Launched by `mpirun` in a way this build cannot serve.
        case mpi(String)
        /// A child's own error, with its rank.
        case child(rank: Int, String)

        var description: String {
            switch self {
            case .ranks(let failed):
                failed.keys.sorted().map { "rank \($0) \(failed[$0] ?? "failed")" }.joined(separator: "; ")
                    + "; the other processes were stopped"
            case .start(let reason): "could not start the training processes: \(reason)"
            case .mpi(let reason): reason
            case .child(let rank, let reason): "rank \(rank): \(reason)"
            }
        }
    }

    /// How many ranks to start.
    let processes: Int

    /// The size of the `mpirun` job this process belongs to, if any (Open MPI
    /// sets `OMPI_COMM_WORLD_SIZE`; PMIx launchers set `PMIX_RANK`).
    static func mpiWorldSize() -> Int? {
        let environment = ProcessInfo.processInfo.environment
        if let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap({ Int($0) }) { return size }
        if environment["PMIX_RANK"] != nil { return Int(environment["PMIX_SIZE"] ?? "") ?? 1 }
        return nil
    }

    /// This process's rank in the `mpirun` job (0 when unknown).
    static func mpiRank() -> Int {
        let environment = ProcessInfo.processInfo.environment
        return (environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMIX_RANK"]).flatMap { Int($0) } ?? 0
    }

    /// Runs every rank to completion; throws `Failure.ranks` when any failed.
    func run(_ arguments: [String]) throws {
        let rendezvous = FileManager.default.temporaryDirectory
            .appendingPathComponent("arbor-train-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: rendezvous, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: rendezvous) }
        let executable = try Self.executable()
        fflush(nil)   // what this process printed comes before the children's output
        var children: [Process] = []
        defer { for child in children where child.isRunning { child.terminate() } }
        for rank in 0..<processes {
            let child = Process()
            child.executableURL = executable
            child.arguments = arguments + ["--rank", String(rank), "--rendezvous", rendezvous.path]
            do { try child.run() } catch { throw Failure.start("\(executable.path): \(error)") }
            children.append(child)
        }
        var failed: [Int: String] = [:]
        while children.contains(where: \.isRunning) {
            for (rank, child) in children.enumerated() where !child.isRunning && failed[rank] == nil {
                if let ending = Self.failure(child) { failed[rank] = ending }
            }
            if !failed.isEmpty { break }
            usleep(20_000)
        }
        for child in children where child.isRunning { child.terminate() }
        for child in children { child.waitUntilExit() }
        if failed.isEmpty {
            for (rank, child) in children.enumerated() { if let ending = Self.failure(child) { failed[rank] = ending } }
        }
        guard failed.isEmpty else { throw Failure.ranks(failed) }
    }

    /// How a finished child failed, or `nil` when it succeeded.
    private static func failure(_ child: Process) -> String? {
        if child.terminationReason == .uncaughtSignal { return "was killed by signal \(child.terminationStatus)" }
        return child.terminationStatus == 0 ? nil : "exited with status \(child.terminationStatus)"
    }

    /// This executable (the children run the same binary).
    private static func executable() throws -> URL {
        if let url = Bundle.main.executableURL { return url }
        guard let first = CommandLine.arguments.first else { throw Failure.start("cannot find this executable's path") }
        return URL(fileURLWithPath: first)
    }
}
