#if MPI
import CMPI
import Foundation

/// The ranks of an `mpirun` job (Open MPI's `MPI_COMM_WORLD`): real processes,
/// on one machine or many. Built only with the `MPI` package trait
/// (`swift build --traits MPI`).
///
/// ```swift
/// let group = try MPIProcessGroup.world()    // MPI_Init_thread on first use
/// defer { MPIProcessGroup.finalize() }
/// ```
///
/// MPI's default error handler aborts the whole job when a call fails, which
/// is how a failing rank ends the others instead of leaving them blocked. Calls
/// are serialized by a lock (`MPI_THREAD_SERIALIZED`), so the group may be
/// shared between threads.
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private let lock = NSLock()
    private let communicator: MPI_Comm

    private init(communicator: MPI_Comm) {
        self.communicator = communicator
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(communicator, &rank)
        MPI_Comm_size(communicator, &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Initializes MPI (once per process) and returns the world group.
    public static func world() throws(ProcessGroupError) -> MPIProcessGroup {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            let code = MPI_Init_thread(nil, nil, arbor_mpi_thread_serialized(), &provided)
            guard code == arbor_mpi_success() else { throw .transport("MPI_Init_thread returned \(code)") }
        }
        return MPIProcessGroup(communicator: arbor_mpi_comm_world())
    }

    /// Shuts MPI down; call once, after the last collective.
    public static func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    public func barrier() throws(ProcessGroupError) {
        try locked { () throws(ProcessGroupError) in try check(MPI_Barrier(communicator), "MPI_Barrier") }
    }

    public func broadcast(bytes: [UInt8], root: Int) throws(ProcessGroupError) -> [UInt8] {
        guard (0..<size).contains(root) else { throw .invalidRank(root, size: size) }
        return try locked { () throws(ProcessGroupError) -> [UInt8] in
            var count = Int64(bytes.count)
            try check(MPI_Bcast(&count, 1, arbor_mpi_int64(), Int32(root), communicator), "MPI_Bcast")
            var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
            let length = try int32(buffer.count)
            let code = buffer.withUnsafeMutableBytes { raw in
                MPI_Bcast(raw.baseAddress, length, arbor_mpi_byte(), Int32(root), communicator)
            }
            try check(code, "MPI_Bcast")
            return buffer
        }
    }

    public func allGather(bytes: [UInt8]) throws(ProcessGroupError) -> [[UInt8]] {
        try locked { () throws(ProcessGroupError) -> [[UInt8]] in
            var mine = Int64(bytes.count)
            var counts = [Int64](repeating: 0, count: size)
            try check(MPI_Allgather(&mine, 1, arbor_mpi_int64(), &counts, 1, arbor_mpi_int64(), communicator), "MPI_Allgather")
            var receiveCounts: [Int32] = [], displacements: [Int32] = []
            var total = 0
            for count in counts {
                displacements.append(try int32(total))
                receiveCounts.append(try int32(Int(count)))
                total += Int(count)
            }
            _ = try int32(total)
            var received = [UInt8](repeating: 0, count: total)
            let sendCount = try int32(bytes.count)
            let code = bytes.withUnsafeBytes { send in
                received.withUnsafeMutableBytes { receive in
                    MPI_Allgatherv(send.baseAddress, sendCount, arbor_mpi_byte(), receive.baseAddress,
                                   receiveCounts, displacements, arbor_mpi_byte(), communicator)
                }
            }
            try check(code, "MPI_Allgatherv")
            return counts.indices.map { r in
                let start = Int(displacements[r])
                return Array(received[start..<(start + Int(counts[r]))])
            }
        }
    }

    private func locked<R>(_ body: () throws(ProcessGroupError) -> R) throws(ProcessGroupError) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func check(_ code: Int32, _ call: String) throws(ProcessGroupError) {
        guard code == arbor_mpi_success() else { throw .transport("\(call) returned \(code)") }
    }

    /// MPI counts are 32-bit; larger messages are refused rather than truncated.
    private func int32(_ value: Int) throws(ProcessGroupError) -> Int32 {
        guard let result = Int32(exactly: value) else {
            throw .transport("message of \(value) bytes exceeds MPI's 32-bit count; send it in parts")
        }
        return result
    }
}
#endif
