import Foundation

/// The JSON sidecar the fixture script writes next to each valid safetensors
/// file (`Tests/Fixtures/safetensors/valid/<name>.json`): what the reference
/// library wrote, tensor by tensor.
public struct SafeTensorsSidecar: Decodable, Sendable {
    /// One tensor as the reference wrote it.
    public struct Entry: Decodable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var data_offsets: [Int]
        public var nbytes: Int
        public var sha256: String
    }

    public var file: String
    public var file_size: Int
    public var file_sha256: String
    public var header_len: Int
    public var header: String
    public var metadata: [String: String]?
    public var tensor_count: Int
    public var tensors: [Entry]
    public var writer: String

    /// Every sidecar of the valid fixtures, sorted by file name.
    public static func all() throws -> [SafeTensorsSidecar] {
        let folder = Fixtures.url("safetensors/valid")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") }.sorted()
            .map { try JSONDecoder().decode(SafeTensorsSidecar.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    /// The safetensors file the sidecar describes.
    public var url: URL { Fixtures.url("safetensors/valid/" + file) }
}
