import ArborTestSupport
import Crypto
import Foundation
@testable import SafeTensors

/// The case name of an error, to compare with the `rule` recorded in fixtures.
func caseName(_ error: SafeTensorsError) -> String {
    switch error {
    case .cannotOpen: "cannotOpen"
    case .headerTooSmall: "headerTooSmall"
    case .headerTooLarge: "headerTooLarge"
    case .headerPastEnd: "headerPastEnd"
    case .headerNotUTF8: "headerNotUTF8"
    case .invalidJSON: "invalidJSON"
    case .headerNotObject: "headerNotObject"
    case .invalidMetadata: "invalidMetadata"
    case .malformedEntry: "malformedEntry"
    case .unknownDType: "unknownDType"
    case .invalidOffsets: "invalidOffsets"
    case .sizeOverflow: "sizeOverflow"
    case .subByteRemainder: "subByteRemainder"
    case .sizeMismatch: "sizeMismatch"
    case .trailingBytes: "trailingBytes"
    case .dataPastEnd: "dataPastEnd"
    case .shapeNotRepresentable: "shapeNotRepresentable"
    case .tensorNotFound: "tensorNotFound"
    case .reservedName: "reservedName"
    case .duplicateName: "duplicateName"
    case .abstractTensor: "abstractTensor"
    case .entryByteCount: "entryByteCount"
    case .headerOverCap: "headerOverCap"
    case .io: "io"
    case .invalidIndex: "invalidIndex"
    case .tensorListedTwice: "tensorListedTwice"
    case .tensorMissingFromShard: "tensorMissingFromShard"
    case .invalidShardSize: "invalidShardSize"
    case .notSafeTensors: "notSafeTensors"
    }
}

/// Lowercase hex SHA-256, as the sidecars record it.
func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBytes { sha256Hex($0) }
}

/// A file image: 8-byte little-endian length, header text, data.
func fileImage(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    let n = length ?? UInt64(headerBytes.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + headerBytes + data
}

/// Parses an in-memory file image with the reader's rules.
func parseImage(_ bytes: [UInt8]) throws(SafeTensorsError) -> SafeTensorsHeader {
    let outcome = bytes.withUnsafeBytes { raw in
        Result { () throws(SafeTensorsError) in try SafeTensorsHeader(fileBytes: raw, file: "test.safetensors") }
    }
    return try outcome.get()
}

/// The reader's error for an image, or `nil` when it is accepted.
func readerError(_ bytes: [UInt8]) -> SafeTensorsError? {
    do {
        _ = try parseImage(bytes)
        return nil
    } catch {
        return error
    }
}

/// A fixture sidecar; shared with the CLI tests through ArborTestSupport.
typealias Sidecar = SafeTensorsSidecar

/// One case of `invalid/index.json`.
struct MalformedCase: Decodable, CustomTestStringConvertible {
    var name: String
    var file: String
    var rule: String
    var description: String

    var testDescription: String { name }

    static func all() throws -> [MalformedCase] {
        struct Index: Decodable { var cases: [MalformedCase] }
        let data = try Data(contentsOf: Fixtures.url("safetensors/invalid/index.json"))
        return try JSONDecoder().decode(Index.self, from: data).cases
    }

    var url: URL { Fixtures.url("safetensors/invalid/" + file) }
}

import Testing
