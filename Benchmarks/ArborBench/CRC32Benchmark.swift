import ArborInterop
import ArgumentParser
import CArborKernels
import Foundation

/// `arbor-bench crc32`: median GB/s of the ZIP CRC-32 that checks every storage
/// of a PyTorch `.bin` during `arbor convert`, by the path this CPU runs
/// (`CRC32`), by 16-byte PCLMULQDQ folds where the CPU has wider ones, and by
/// the portable table path, over one large buffer.
struct CRC32Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crc32",
        abstract: "Median GB/s of CRC-32 (carry-less multiply and portable table paths).")

    @Option(name: .long, help: "Buffer size in MiB.")
    var mebibytes: Int = 256

    @Option(name: .long, help: "Timed runs per path (the median is reported).")
    var runs: Int = 9

    func run() throws {
        let count = max(mebibytes, 1) << 20
        var state: UInt64 = 1
        let bytes = (0..<count).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let fastest = arbor_crc32_path()
        let names = ["portable tables", "pclmulqdq", "vpclmulqdq (AVX-512)"]
        var paths: [(name: String, checksum: (UnsafeRawBufferPointer) -> UInt32)] = [
            ("fast: \(names[Int(min(max(fastest, 0), 2))])", { CRC32.checksum($0) }),
        ]
        if fastest > 1 {  // the 16-byte folds too, to show what the wider ones add
            paths.append(("pclmulqdq", { ~arbor_crc32_update_limited(0xFFFF_FFFF, $0.baseAddress, $0.count, 1) }))
        }
        paths.append(("portable", { ~arbor_crc32_update_portable(0xFFFF_FFFF, $0.baseAddress, $0.count) }))
        var checksums: [String: UInt32] = [:]
        print("path                             median       GB/s")
        bytes.withUnsafeBytes { buffer in
            // Rounds alternate the paths so a busy moment hits both alike.
            var samples = [[Double]](repeating: [], count: paths.count)
            for round in 0..<(max(runs, 1) + 1) {
                for (index, path) in paths.enumerated() {
                    let seconds = Stopwatch.time { checksums[path.name] = path.checksum(buffer) }
                    if round > 0 { samples[index].append(seconds) }  // round 0 warms up
                }
            }
            for (index, path) in paths.enumerated() {
                let sorted = samples[index].sorted()
                let median = sorted[sorted.count / 2]
                let time = Stopwatch.format(median)
                print(path.name.padding(toLength: 33, withPad: " ", startingAt: 0) + time
                      + String(repeating: " ", count: max(1, 13 - time.count))
                      + String(format: "%6.2f", Double(count) / median / 1e9))
            }
        }
        let values = Set(checksums.values)
        if values.count != 1 { throw ValidationError("the paths disagree: \(checksums)") }
        print(String(format: "checksum 0x%08x of %d MiB", values.first ?? 0, mebibytes))
    }
}
