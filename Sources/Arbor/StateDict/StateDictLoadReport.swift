import ArborTensor
import Foundation

/// What loading a flat state dict into a model's `State` found: the keys the
/// model has and the dict lacks, the keys the dict has and the model lacks,
/// and the keys whose shape or dtype differ — like transformers' loading report.
public struct StateDictLoadReport: Sendable, Equatable, CustomStringConvertible {
    /// A key in both whose tensor does not fit.
    public struct Mismatch: Sendable, Equatable {
        /// The dotted name.
        public var name: String
        /// Shape and dtype in the model.
        public var expectedShape: [Int]
        /// The model's dtype.
        public var expectedDType: DType
        /// Shape in the state dict.
        public var shape: [Int]
        /// The state dict's dtype.
        public var dtype: DType
        /// Whether the shapes differ (an error even when loading leniently).
        public var isShapeMismatch: Bool { expectedShape != shape }
    }

    /// Model keys the state dict lacks, sorted.
    public var missing: [String] = []
    /// State dict keys the model lacks, sorted.
    public var unexpected: [String] = []
    /// Keys whose shape or dtype differ, sorted.
    public var mismatched: [Mismatch] = []
    /// For an unexpected key, the missing key it probably was meant to be.
    public var suggestions: [String: String] = [:]

    /// Whether everything matched.
    public var isClean: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

    /// A table with one row per problem, sorted by key:
    /// ```
    /// key                | status     | detail
    /// -------------------+------------+---------------------------------
    /// blocks.0.ln1.bias  | MISSING    |
    /// blocks.0.ln1.wieght| UNEXPECTED | did you mean blocks.0.ln1.weight?
    /// wte.weight         | MISMATCH   | shape [256, 64] F32 in model, [255, 64] F32 in state dict
    /// ```
    public var table: String {
        var rows: [(String, String, String)] = []
        for name in missing { rows.append((name, "MISSING", "")) }
        for name in unexpected {
            rows.append((name, "UNEXPECTED", suggestions[name].map { "did you mean \($0)?" } ?? ""))
        }
        for item in mismatched {
            let transposed = item.shape.count == 2 && item.shape != item.expectedShape && item.shape.reversed() == item.expectedShape
            rows.append((item.name, "MISMATCH",
                         "\(item.isShapeMismatch ? "shape" : "dtype") \(item.expectedShape) \(item.expectedDType) in model, "
                            + "\(item.shape) \(item.dtype) in state dict"
                            + (transposed ? " (the transpose: a [in, out] vs [out, in] layout rule is missing or ran twice)" : "")))
        }
        rows.sort { $0.0 < $1.0 }
        let width0 = max(3, rows.map(\.0.count).max() ?? 0)
        let width1 = max(6, rows.map(\.1.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = ["\(pad("key", width0)) | \(pad("status", width1)) | detail"]
        lines.append(String(repeating: "-", count: width0 + 1) + "+" + String(repeating: "-", count: width1 + 2) + "+-------")
        for row in rows {
            var line = "\(pad(row.0, width0)) | \(pad(row.1, width1)) | \(row.2)"
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A one-line count followed by the table.
    public var description: String {
        "\(missing.count) missing, \(unexpected.count) unexpected, \(mismatched.count) mismatched\n\(table)"
    }
}

/// Strict loading found keys that do not fit; the message is the whole report.
public struct StateDictLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Everything that did not fit.
    public var report: StateDictLoadReport
    /// What was loaded (a file or rule set name), for the first line.
    public var source: String

    /// The summary line and the table.
    public var description: String {
        "state dict \(source.isEmpty ? "" : source + " ")does not fit the model: \(report.description)"
    }
}
