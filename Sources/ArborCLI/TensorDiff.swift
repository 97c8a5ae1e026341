import ArborTensor
import Foundation
import SafeTensors

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

    /// Elements compared at a time: a multiple of 8, so chunks of packed
    /// sub-byte dtypes start on whole bytes. Memory is bounded by this, not by
    /// the tensors (two 400 MB tensors no longer cost 3.2 GB as float64 copies).
    static let chunkElements = 1 << 16

    /// Compares `x` and `y` chunk by chunk, reading mapped tensors with `pread`
    /// (`Tensor.readBytes`): a file truncated meanwhile is an error naming it.
    static func compare(name: String, _ x: Tensor, _ y: Tensor, atol: Double) throws -> Entry {
        var entry = Entry(name: name, status: "same", dtypeA: x.dtype.safetensorsName, dtypeB: y.dtype.safetensorsName,
                          shapeA: x.shape, shapeB: y.shape)
        guard x.shape == y.shape else { entry.status = "shape"; return entry }
        let numeric = x.dtype.isNumeric && y.dtype.isNumeric
        var sameBytes = x.dtype == y.dtype, converted = numeric
        var maxAbs = 0.0, maxRel = 0.0
        let count = x.elementCount
        let capacity = Swift.max(x.dtype.byteCount(forElements: chunkElements) ?? 0,
                                 y.dtype.byteCount(forElements: chunkElements) ?? 0, 1)
        let bufferX = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        let bufferY = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        defer { bufferX.deallocate(); bufferY.deallocate() }
        var start = 0
        while start < count {
            let elements = Swift.min(chunkElements, count - start)
            let (rangeX, rangeY) = (byteRange(x, start, elements), byteRange(y, start, elements))
            try x.readBytes(from: rangeX.lowerBound, count: rangeX.count, into: bufferX)
            try y.readBytes(from: rangeY.lowerBound, count: rangeY.count, into: bufferY)
            let chunkX = UnsafeRawBufferPointer(rebasing: bufferX[..<rangeX.count])
            let chunkY = UnsafeRawBufferPointer(rebasing: bufferY[..<rangeY.count])
            start += elements
            if x.dtype == y.dtype, chunkX.elementsEqual(chunkY) { continue }
            sameBytes = false
            guard converted,
                  let u = try? Tensor(shape: [elements], dtype: x.dtype, copying: chunkX).converted(to: .float64),
                  let v = try? Tensor(shape: [elements], dtype: y.dtype, copying: chunkY).converted(to: .float64) else {
                converted = false  // the status is "dtype" or "values" whatever else follows
                break
            }
            for (p, q) in zip(u.scalars(as: Double.self), v.scalars(as: Double.self)) where !(p.isNaN && q.isNaN) && p != q {
                let difference = abs(p - q)
                maxAbs = Swift.max(maxAbs, difference.isNaN ? .infinity : difference)
                let scale = Swift.max(abs(p), abs(q))
                let relative = scale > 0 ? difference / scale : 0
                maxRel = Swift.max(maxRel, relative.isNaN ? .infinity : Swift.min(relative, .greatestFiniteMagnitude))
            }
        }
        if sameBytes { entry.maxAbs = 0; entry.maxRel = 0; return entry }
        if converted {
            entry.maxAbs = maxAbs
            entry.maxRel = maxRel
            if x.dtype != y.dtype { entry.status = "dtype" } else if maxAbs > atol { entry.status = "values" }
        } else {
            entry.status = x.dtype != y.dtype ? "dtype" : "values"
        }
        return entry
    }

    /// Bytes of `tensor` holding elements `start..<start+count`: whole bytes, as
    /// `start` is a multiple of `chunkElements`; the last chunk runs to the end.
    private static func byteRange(_ tensor: Tensor, _ start: Int, _ count: Int) -> Range<Int> {
        // Element counts of a tensor that exists: its byte sizes fit in an Int.
        let lower = tensor.dtype.byteCount(forElements: start) ?? 0
        let upper = start + count == tensor.elementCount
            ? tensor.byteCount : tensor.dtype.byteCount(forElements: start + count) ?? tensor.byteCount
        return lower..<upper
    }

    /// The report as JSON; `max_abs`/`max_rel` infinities and NaN are the
    /// strings `"inf"`, `"-inf"`, `"nan"`, so the output is valid JSON for every input.
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
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
