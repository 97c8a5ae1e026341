import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// A file truncated while `inspect --checksums`, `diff` or `convert --dtype`
/// streamed through it killed the process with SIGBUS (it read through the
/// mapping). They now read with `pread`: the file shrinking is an error naming
/// it. The truncation happens as soon as the process has mapped the file
/// (seen in /proc, so Linux only); if a run still finishes first, it must have
/// succeeded cleanly — never died on a signal.
@Suite struct TruncatedFileTests {
    /// 64 MiB of f32: long enough to read that the truncation lands mid-read.
    static func bigFile(_ url: URL) throws {
        let values = [Float](repeating: 0.5, count: 16 << 20)
        try SafeTensorsWriter.write(["big": Tensor(values, shape: [values.count])], to: url)
    }

    static func expectNamedFailure(_ arguments: [String], truncating file: URL, status: Int32 = 1) throws {
        let run = try ArborExecutable.run(arguments, timeout: 300, truncating: file, keeping: 4096)
        #expect(!run.signaled, "\(arguments.first ?? ""): died on signal \(run.status)")
        if run.status != 0 {
            #expect(run.status == status, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(file.path), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
    }

    @Test func streamingCommandsReportATruncatedFile() throws {
        #if os(Linux)
        let temp = try TemporaryDirectory()
        let original = temp.file("original.safetensors")
        try Self.bigFile(original)
        func fresh(_ name: String) throws -> URL {
            let url = temp.file(name)
            try? FileManager.default.removeItem(at: url)
            try FileManager.default.copyItem(at: original, to: url)
            return url
        }
        let inspected = try fresh("inspect.safetensors")
        try Self.expectNamedFailure(["inspect", "--checksums", inspected.path], truncating: inspected)
        let compared = try fresh("diff.safetensors")
        try Self.expectNamedFailure(["diff", compared.path, original.path], truncating: compared, status: 2)
        let converted = try fresh("convert.safetensors")
        try Self.expectNamedFailure(["convert", converted.path, temp.file("out.safetensors").path, "--dtype", "f16"],
                                    truncating: converted)
        #endif
    }
}
