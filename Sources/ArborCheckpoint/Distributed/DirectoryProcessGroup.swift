import ArborDistributed
import Foundation
import SafeTensors

/// A process group whose collectives meet in a shared directory: N processes
/// on one machine (or on a shared file system) save one checkpoint together
/// without MPI. Tests and benchmarks launch fresh processes with it; for real
/// runs use `MPIProcessGroup`. Its collectives are slow (files, polling) but
/// a checkpoint save needs only three.
///
/// Each all-gather is a round: every process writes its bytes to
/// `round-K.rank-R` (atomically, by rename), then waits until all N files of
/// round K exist. A process that died is noticed by the others as a timeout,
/// which fails their collective with `ProcessGroupError.peerFailed`, so a
/// killed rank never leaves the rest hanging. The directory must be fresh for
/// every launch (round numbers restart at 0).
///
/// ```swift
/// let group = try DirectoryProcessGroup(directory: rendezvous, rank: rank, size: 4)
/// let checkpointer = Checkpointer(processGroup: group)
/// ```
public final class DirectoryProcessGroup: ProcessGroup, @unchecked Sendable {
    /// This process's index.
    public let rank: Int
    /// Number of processes.
    public let size: Int
    /// The shared directory.
    public let directory: URL
    /// How long a collective waits for the slowest process.
    public let timeout: Duration

    private let lock = NSLock()
    private var round = 0

    /// Joins the group meeting in `directory` (created when missing).
    public init(directory: URL, rank: Int, size: Int, timeout: Duration = .seconds(120)) throws(CheckpointError) {
        guard size >= 1, (0..<size).contains(rank) else {
            throw .processGroup(rank: rank, reason: "rank \(rank) is not in a group of \(size)")
        }
        self.rank = rank
        self.size = size
        self.directory = directory
        self.timeout = timeout
        try fileSystem { () throws(FileIOError) in try DurableFileSystem.makeDirectory(directory) }
    }

    /// Returns once every process has called it.
    public func barrier() throws(ProcessGroupError) { _ = try allGather(bytes: []) }

    /// `root`'s bytes on every process.
    public func broadcast(bytes: [UInt8], root: Int) throws(ProcessGroupError) -> [UInt8] {
        guard (0..<size).contains(root) else { throw .invalidRank(root, size: size) }
        return try allGather(bytes: rank == root ? bytes : [])[root]
    }

    /// Every process's bytes in rank order; fails after `timeout` when a
    /// process never arrives.
    public func allGather(bytes: [UInt8]) throws(ProcessGroupError) -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        let current = round
        round += 1
        do {
            let file = try AtomicFile(destination: url(round: current, rank: rank), durable: false)
            try bytes.withUnsafeBytes { raw in Result { () throws(FileIOError) in try file.write(raw) } }.get()
            try file.commit()
        } catch {
            throw .transport(error.description)
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var gathered: [[UInt8]?] = Array(repeating: nil, count: size)
        var pause = 50   // microseconds, doubling up to 2 ms
        while gathered.contains(where: { $0 == nil }) {
            for other in 0..<size where gathered[other] == nil {
                do { gathered[other] = try DurableFileSystem.contentsIfPresent(of: url(round: current, rank: other)) } catch {
                    throw .transport(error.description)
                }
            }
            guard gathered.contains(where: { $0 == nil }) else { break }
            guard clock.now < deadline else {
                let missing = gathered.indices.first { gathered[$0] == nil } ?? 0
                throw .peerFailed(rank: missing, reason: "did not reach collective \(current) within \(timeout)")
            }
            usleep(UInt32(pause))
            pause = min(pause * 2, 2000)
        }
        // Everyone has read round current-1 before writing round current.
        if current > 0 { try? DurableFileSystem.remove(url(round: current - 1, rank: rank)) }
        return gathered.map { $0 ?? [] }
    }

    private func url(round: Int, rank: Int) -> URL {
        directory.appendingPathComponent("round-\(round).rank-\(rank)")
    }
}
