import Arbor
import ArborTestSupport
import Foundation

/// A minimal safetensors reader for the gradient fixtures (F32, F64, I64), so
/// this target needs no SafeTensors dependency.
enum GradFixture {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func load(_ relativePath: String) throws -> [String: Tensor] {
        let data = try Data(contentsOf: Fixtures.url(relativePath))
        guard data.count >= 8 else { throw Failure(description: "\(relativePath): too short") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let headerData = data.subdata(in: 8..<(8 + headerLength))
        guard let header = try JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw Failure(description: "\(relativePath): bad header")
        }
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let info = entry as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int] else {
                throw Failure(description: "\(relativePath): bad entry \(name)")
            }
            let dtype: DType = switch dtypeName {
            case "F32": .float32
            case "F64": .float64
            case "I64": .int64
            default: throw Failure(description: "\(relativePath): unsupported dtype \(dtypeName)")
            }
            let bytes = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
            tensors[name] = try bytes.withUnsafeBytes { try Tensor(shape: shape, dtype: dtype, copying: $0) }
        }
        return tensors
    }

    /// Relative closeness with a small absolute floor for near-zero entries.
    static func close(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-5, atol: Double = 1e-7) -> Bool {
        a.shape == b.shape && a.allClose(b, rtol: rtol, atol: atol)
    }
}
