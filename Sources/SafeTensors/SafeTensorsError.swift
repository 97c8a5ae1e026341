import ArborTensor

/// Everything that can go wrong reading or writing safetensors files.
///
/// The reader cases follow the reference implementation's checks in the order it
/// applies them, so a file the Python library rejects is rejected here for the same
/// rule. Every description is one line that names the file, the tensor when there
/// is one, and the broken rule, because that line is what a user of `arbor inspect`
/// sees and must be able to act on.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    // MARK: Reading a file

    /// The file could not be opened or mapped.
    case cannotOpen(file: String, reason: String)
    /// The file is shorter than the 8-byte header length.
    case headerTooSmall(file: String, fileSize: Int)
    /// The header length is over the 100,000,000-byte cap.
    case headerTooLarge(file: String, headerLength: UInt64)
    /// The header length reaches past the end of the file.
    case headerPastEnd(file: String, headerLength: UInt64, fileSize: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(file: String, byteOffset: Int)
    /// The header is not well-formed JSON (`offset` counts bytes into the header).
    case invalidJSON(file: String, reason: String, offset: Int)
    /// The header is JSON but not an object.
    case headerNotObject(file: String, found: String)
    /// `__metadata__` is not a map from strings to strings (or appears twice).
    case invalidMetadata(file: String, reason: String)
    /// A tensor entry lacks a field or has one of the wrong type.
    case malformedEntry(file: String, tensor: String, reason: String)
    /// A tensor's dtype is not one the format defines.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// Offsets leave a hole, overlap the previous tensor, or end before they begin.
    case invalidOffsets(file: String, tensor: String, begin: UInt64, end: UInt64, expectedBegin: UInt64)
    /// The element count or bit size of the shape overflows 64 bits.
    case sizeOverflow(file: String, tensor: String, shape: [UInt64], dtype: DType)
    /// A sub-byte dtype's element count does not fill whole bytes.
    case subByteRemainder(file: String, tensor: String, shape: [UInt64], dtype: DType)
    /// The offsets span a different number of bytes than the shape and dtype need.
    case sizeMismatch(file: String, tensor: String, expected: UInt64, actual: UInt64)
    /// The tensors end before the file does: bytes follow the last tensor.
    case trailingBytes(file: String, dataEnd: UInt64, dataSize: UInt64)
    /// The tensors end after the file does: the file is truncated.
    case dataPastEnd(file: String, dataEnd: UInt64, dataSize: UInt64)
    /// A zero-size tensor's dimension does not fit in `Int` (valid for the
    /// reference reader, which uses unsigned sizes, but not representable here).
    case shapeNotRepresentable(file: String, tensor: String, shape: [UInt64])
    /// No tensor of that name is in the file or collection.
    case tensorNotFound(file: String, tensor: String)

    // MARK: Writing

    /// `__metadata__` is reserved for the header's metadata map.
    case reservedName(file: String)
    /// Two tensors given to the writer have the same name.
    case duplicateName(file: String, tensor: String)
    /// An abstract tensor has no bytes to write.
    case abstractTensor(file: String, tensor: String)
    /// A raw entry's byte count does not match its shape and dtype.
    case entryByteCount(file: String, tensor: String, expected: Int?, actual: Int)
    /// The header to write is over the 100,000,000-byte cap.
    case headerOverCap(file: String, headerLength: Int)
    /// A file-system operation failed.
    case io(FileIOError)

    // MARK: Sharded layout

    /// A `*.safetensors.index.json` file is not the Hugging Face index format.
    case invalidIndex(file: String, reason: String)
    /// One tensor name appears in two places (two index entries or two shards).
    case tensorListedTwice(tensor: String, firstFile: String, secondFile: String)
    /// The index lists a tensor that its shard does not hold.
    case tensorMissingFromShard(index: String, shard: String, tensor: String)
    /// A maximum shard size could not be parsed.
    case invalidShardSize(text: String)
    /// A path is neither a safetensors file, an index, nor a directory holding them.
    case notSafeTensors(path: String, reason: String)

    /// One line naming the file, the tensor when there is one, and the broken rule.
    public var description: String {
        switch self {
        case let .cannotOpen(file, reason): "\(file): cannot open: \(reason)"
        case let .headerTooSmall(file, size):
            "\(file): header too small: the file has \(size) bytes, fewer than the 8-byte header length"
        case let .headerTooLarge(file, length):
            "\(file): header too large: length \(length) is over the 100000000-byte cap"
        case let .headerPastEnd(file, length, size):
            "\(file): invalid header length: \(length) header bytes do not fit in a file of \(size) bytes"
        case let .headerNotUTF8(file, offset): "\(file): header is not valid UTF-8 (at header byte \(offset))"
        case let .invalidJSON(file, reason, offset): "\(file): header is not valid JSON: \(reason) at header byte \(offset)"
        case let .headerNotObject(file, found): "\(file): header must be a JSON object, found \(found)"
        case let .invalidMetadata(file, reason): "\(file): invalid __metadata__: \(reason)"
        case let .malformedEntry(file, tensor, reason): "\(file): tensor \(quoted(tensor)): \(reason)"
        case let .unknownDType(file, tensor, dtype): "\(file): tensor \(quoted(tensor)): unknown dtype \(quoted(dtype))"
        case let .invalidOffsets(file, tensor, begin, end, expected):
            begin > end
                ? "\(file): tensor \(quoted(tensor)): invalid data_offsets [\(begin), \(end)]: begin is after end"
                : "\(file): tensor \(quoted(tensor)): invalid data_offsets [\(begin), \(end)]: must begin at \(expected) where the previous tensor ends (no holes or overlaps)"
        case let .sizeOverflow(file, tensor, shape, dtype):
            "\(file): tensor \(quoted(tensor)): shape \(shape) of \(dtype) overflows when computing its byte size"
        case let .subByteRemainder(file, tensor, shape, dtype):
            "\(file): tensor \(quoted(tensor)): shape \(shape) of \(dtype) does not fill whole bytes"
        case let .sizeMismatch(file, tensor, expected, actual):
            "\(file): tensor \(quoted(tensor)): shape and dtype need \(expected) bytes but data_offsets span \(actual)"
        case let .trailingBytes(file, end, size):
            "\(file): file not fully covered: tensors end at data byte \(end) but \(size) data bytes follow the header"
        case let .dataPastEnd(file, end, size):
            "\(file): file truncated: tensors end at data byte \(end) but only \(size) data bytes follow the header"
        case let .shapeNotRepresentable(file, tensor, shape):
            "\(file): tensor \(quoted(tensor)): shape \(shape) has a dimension too large for this platform"
        case let .tensorNotFound(file, tensor): "\(file): no tensor named \(quoted(tensor))"
        case let .reservedName(file): "\(file): \"__metadata__\" is reserved for the header's metadata and cannot name a tensor"
        case let .duplicateName(file, tensor): "\(file): tensor \(quoted(tensor)) is given twice"
        case let .abstractTensor(file, tensor):
            "\(file): tensor \(quoted(tensor)) is abstract (shape and dtype only) and has no bytes to write"
        case let .entryByteCount(file, tensor, expected, actual):
            "\(file): tensor \(quoted(tensor)): \(actual) bytes given but the shape and dtype need \(expected.map(String.init) ?? "a whole number of")"
        case let .headerOverCap(file, length):
            "\(file): header would be \(length) bytes, over the 100000000-byte cap; write fewer tensors per file"
        case let .io(error): error.description
        case let .invalidIndex(file, reason): "\(file): invalid safetensors index: \(reason)"
        case let .tensorListedTwice(tensor, first, second):
            "tensor \(quoted(tensor)) is listed twice: in \(first) and in \(second)"
        case let .tensorMissingFromShard(index, shard, tensor):
            "\(index): tensor \(quoted(tensor)) is mapped to \(shard) but that file does not hold it"
        case let .invalidShardSize(text):
            "invalid maximum shard size \(quoted(text)): use a byte count or a number with KB, MB, GB, TB (or KiB, MiB, GiB)"
        case let .notSafeTensors(path, reason): "\(path): \(reason)"
        }
    }
}

/// A name in double quotes with control characters made visible, so that one
/// hostile tensor name cannot break an error message over several lines.
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029:
            result += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
