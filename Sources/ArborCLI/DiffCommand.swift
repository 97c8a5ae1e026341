import ArborTensor
import ArgumentParser
import Foundation
import SafeTensors

/// `arbor diff A B`: compares two sets of tensors (files, indexes or
/// directories) name by name. Exit status as `diff(1)`: 0 identical, 1
/// different, 2 when either side cannot be read — so scripts can branch on it.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the tensors of two safetensors or PyTorch .bin/.pt files, indexes or model directories.",
        discussion: """
        Exit status: 0 when every tensor has the same name, dtype, shape and bytes \
        (or differs by at most --atol), 1 when anything differs, 2 on an error. \
        In --json output max_abs and max_rel are numbers, or the strings "inf", \
        "-inf" and "nan" (JSON has no non-finite numbers).
        """
    )

    @Argument(help: "A .safetensors or .bin/.pt/.pth file, an index JSON, or a directory holding either.")
    var a: String

    @Argument(help: "The other side.")
    var b: String

    @OptionGroup var output: OutputOptions

    @Flag(help: "List every tensor, not only the ones that differ.")
    var all = false

    @Option(help: "Treat values as equal when the max absolute difference is at most this (dtype and shape must still match).")
    var atol: Double = 0

    func run() async throws {
        let report: TensorDiff
        let text: String
        do {
            // NaN would make every comparison "equal"; a negative tolerance means nothing.
            guard atol >= 0 else { throw DiffError.badTolerance(atol) }
            report = try TensorDiff.make(a: URL(fileURLWithPath: a), b: URL(fileURLWithPath: b), atol: atol)
            text = output.json ? try report.jsonText() : report.tableText(all: all)
        } catch {
            Terminal.error("arbor: \(String(describing: error))")
            throw ExitCode(2)
        }
        print(text)
        if !report.identical { throw ExitCode(1) }
    }
}

/// Why `arbor diff` refused its options.
enum DiffError: Error, CustomStringConvertible {
    case badTolerance(Double)

    var description: String {
        switch self {
        case let .badTolerance(value): "--atol \(value): must be a number 0 or more"
        }
    }
}

