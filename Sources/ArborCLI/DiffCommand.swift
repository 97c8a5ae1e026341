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
        (or differs by at most --atol), 1 when anything differs, 2 on an error.
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
        do {
            report = try TensorDiff.make(a: URL(fileURLWithPath: a), b: URL(fileURLWithPath: b), atol: atol)
        } catch {
            Terminal.error("arbor: \(String(describing: error))")
            throw ExitCode(2)
        }
        print(output.json ? try report.jsonText() : report.tableText(all: all))
        if !report.identical { throw ExitCode(1) }
    }
}

/// The comparison behind `arbor diff`, in the shape of its JSON output.
struct TensorDiff: Codable {
    struct Entry: Codable {
        var name: String
        /// `same`, `values`, `dtype`, `shape`, `only_in_a` or `only_in_b`.
        var status: String
        var dtypeA: String?
        var dtypeB: String?
        var shapeA: [Int]?
        var shapeB: [Int]?
        var maxAbs: Double?
        var maxRel: Double?
        enum CodingKeys: String, CodingKey {
            case name, status, dtypeA = "dtype_a", dtypeB = "dtype_b", shapeA = "shape_a", shapeB = "shape_b"
            case maxAbs = "max_abs", maxRel = "max_rel"
        }
    }

    var a: String
    var b: String
    var identical: Bool
    var tensors: [Entry]

    static func make(a urlA: URL, b urlB: URL, atol: Double) throws -> TensorDiff {
        let left = try TensorFiles.open(urlA)
        let right = try TensorFiles.open(urlB)
        let rightNames = Set(right.names)
        let leftNames = Set(left.names)
        var entries: [Entry] = []
        for name in Set(left.names).union(right.names).sorted() {
            guard leftNames.contains(name) else {
                let info = try right.info(named: name)
                entries.append(Entry(name: name, status: "only_in_b", dtypeB: info.dtype.safetensorsName, shapeB: info.shape))
                continue
            }
            guard rightNames.contains(name) else {
                let info = try left.info(named: name)
                entries.append(Entry(name: name, status: "only_in_a", dtypeA: info.dtype.safetensorsName, shapeA: info.shape))
                continue
            }
            entries.append(try compare(name: name, try left.tensor(named: name), try right.tensor(named: name), atol: atol))
        }
        return TensorDiff(a: urlA.path, b: urlB.path, identical: entries.allSatisfy { $0.status == "same" }, tensors: entries)
    }

    static func compare(name: String, _ x: Tensor, _ y: Tensor, atol: Double) throws -> Entry {
        var entry = Entry(name: name, status: "same", dtypeA: x.dtype.safetensorsName, dtypeB: y.dtype.safetensorsName,
                          shapeA: x.shape, shapeB: y.shape)
        guard x.shape == y.shape else { entry.status = "shape"; return entry }
        let sameBytes = x.dtype == y.dtype && x.withUnsafeBytes { p in y.withUnsafeBytes { q in p.elementsEqual(q) } }
        if sameBytes { entry.maxAbs = 0; entry.maxRel = 0; return entry }
        if x.dtype.isNumeric && y.dtype.isNumeric,
           let u = try? x.converted(to: .float64).scalars(as: Double.self),
           let v = try? y.converted(to: .float64).scalars(as: Double.self) {
            var maxAbs = 0.0, maxRel = 0.0
            for (p, q) in zip(u, v) where !(p.isNaN && q.isNaN) && p != q {
                let difference = abs(p - q)
                maxAbs = Swift.max(maxAbs, difference.isNaN ? .infinity : difference)
                let scale = Swift.max(abs(p), abs(q))
                maxRel = Swift.max(maxRel, scale > 0 ? Swift.min(difference / scale, .greatestFiniteMagnitude) : 0)
            }
            entry.maxAbs = maxAbs
            entry.maxRel = maxRel
            if x.dtype != y.dtype { entry.status = "dtype" } else if maxAbs > atol { entry.status = "values" }
        } else {
            entry.status = x.dtype != y.dtype ? "dtype" : "values"
        }
        return entry
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func tableText(all: Bool) -> String {
        var table = TextTable(headers: ["tensor", "status", "A", "B", "max abs", "max rel"], rightAligned: [4, 5])
        func describe(_ dtype: String?, _ shape: [Int]?) -> String {
            guard let dtype, let shape else { return "-" }
            return "\(dtype) \(shape)"
        }
        func number(_ value: Double?) -> String { value.map { String(format: "%.3g", $0) } ?? "-" }
        for entry in tensors where all || entry.status != "same" {
            table.add([entry.name, entry.status.replacingOccurrences(of: "_", with: " "),
                       describe(entry.dtypeA, entry.shapeA), describe(entry.dtypeB, entry.shapeB),
                       number(entry.maxAbs), number(entry.maxRel)])
        }
        let differing = tensors.filter { $0.status != "same" }.count
        let summary = identical
            ? "identical: \(tensors.count) tensors"
            : "\(differing) of \(tensors.count) tensors differ "
                + "(\(tensors.filter { $0.status == "only_in_a" }.count) only in A, "
                + "\(tensors.filter { $0.status == "only_in_b" }.count) only in B)"
        return table.rows.isEmpty ? summary : table.render() + "\n" + summary
    }
}
