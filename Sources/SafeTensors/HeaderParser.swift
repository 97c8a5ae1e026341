import ArborTensor

/// Turns header bytes into tensor entries with serde's rules for the reference
/// `HashMetadata` type, before any offset validation.
///
/// The top-level object is streamed (a header may list hundreds of thousands of
/// tensors); each entry is parsed as a small `JSONValue` and then interpreted. The
/// order in which problems are reported follows the reference: JSON syntax errors
/// and `__metadata__` errors as they are met, then the first bad tensor entry in
/// file order, then characters after the object.
struct HeaderParser {
    /// One tensor entry as written, before validation; sizes are unsigned 64-bit
    /// as in the reference reader.
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [UInt64]
        var begin: UInt64
        var end: UInt64
    }

    /// The header's contents: entries in header order (a repeated name keeps its
    /// first position and its last value, like the reference's hash map) and the
    /// metadata map.
    struct Result {
        var entries: [Entry]
        var metadata: [String: String]?
        /// Each name's index in `entries`, for the header's lookup table.
        var positions: [ExactName: Int]
    }

    let file: String

    func parse(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) -> Result {
        var scanner = JSONScanner(bytes)
        guard scanner.peek() == UInt8(ascii: "{") else {
            let value: JSONValue
            do throws(JSONScanner.Failure) { value = try scanner.scanValue() } catch { throw invalidJSON(error) }
            throw .headerNotObject(file: file, found: value.kind)
        }
        var entries: [Entry] = []
        var positions: [ExactName: Int] = [:]
        // An entry takes at least ~50 bytes, typically 60-100: reserving up front
        // avoids rehashing the table as it grows (over-reserving costs a little
        // memory, not time).
        let expected = bytes.count / 56
        positions.reserveCapacity(expected)
        entries.reserveCapacity(expected)
        var metadata: [String: String]?
        var sawMetadata = false
        var deferred: SafeTensorsError?
        func record(_ entry: Entry) {
            // One hash per entry: insert, and only on a repeated name put back the
            // first position and overwrite the value there.
            if let index = positions.updateValue(entries.count, forKey: ExactName(entry.name)) {
                positions[ExactName(entry.name)] = index
                entries[index] = entry
            } else {
                entries.append(entry)
            }
        }
        do throws(JSONScanner.ObjectScanError<SafeTensorsError>) {
            try scanner.scanObject { (scanner: inout JSONScanner, key: String) throws(SafeTensorsError) in
                if deferred == nil, key != "__metadata__" {
                    let saved = scanner
                    if let entry = fastEntry(named: key, &scanner) {
                        record(entry)
                        return
                    }
                    scanner = saved
                }
                let value: JSONValue
                do throws(JSONScanner.Failure) { value = try scanner.scanValue() } catch { throw invalidJSON(error) }
                if key == "__metadata__" {
                    if sawMetadata { throw .invalidMetadata(file: file, reason: "the key appears twice in the header") }
                    sawMetadata = true
                    metadata = try interpretMetadata(value)
                    return
                }
                guard deferred == nil else { return }
                do throws(SafeTensorsError) {
                    record(try interpretEntry(named: key, value))
                } catch {
                    deferred = error
                }
            }
        } catch {
            switch error {
            case let .syntax(failure): throw invalidJSON(failure)
            case let .member(error): throw error
            }
        }
        if let deferred { throw deferred }
        do throws(JSONScanner.Failure) { try scanner.expectEnd() } catch { throw invalidJSON(error) }
        return Result(entries: entries, metadata: metadata, positions: positions)
    }

    /// The usual `{"dtype":"F32","shape":[..],"data_offsets":[a,b]}` entry in any
    /// field order, read without building `JSONValue`s; `nil` for anything else
    /// (the caller rewinds and interprets the entry in full).
    private func fastEntry(named name: String, _ scanner: inout JSONScanner) -> Entry? {
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        var dtype: DType?, shape: [UInt64]?, offsets: (UInt64, UInt64)?
        repeat {
            guard let key = scanner.scanPlainStringBytes(), scanner.consume(UInt8(ascii: ":")) else { return nil }
            if dtype == nil, HeaderParser.matches(key, "dtype") {
                guard let text = scanner.scanPlainStringBytes(), let parsed = HeaderParser.dtype(named: text) else { return nil }
                dtype = parsed
            } else if shape == nil, HeaderParser.matches(key, "shape") {
                guard let list = scanner.scanPlainUnsignedList() else { return nil }
                shape = list
            } else if offsets == nil, HeaderParser.matches(key, "data_offsets") {
                guard let pair = scanner.scanPlainUnsignedPair() else { return nil }
                offsets = pair
            } else {
                return nil
            }
        } while scanner.consume(UInt8(ascii: ","))
        guard scanner.consume(UInt8(ascii: "}")), let dtype, let shape, let offsets else { return nil }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets.0, end: offsets.1)
    }

    /// Whether `bytes` spell exactly the ASCII `literal`.
    private static func matches(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return bytes.elementsEqual(expected)
    }

    /// Every dtype's safetensors name as bytes, so the fast path matches a
    /// dtype without making a `String` (exact bytes only; anything else takes
    /// the general path, which decides).
    private static let dtypeNames: [(name: [UInt8], dtype: DType)] =
        DType.allCases.map { (Array($0.safetensorsName.utf8), $0) }

    private static func dtype(named bytes: UnsafeRawBufferPointer) -> DType? {
        for candidate in dtypeNames where candidate.name.count == bytes.count {
            if candidate.name.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return candidate.dtype }
        }
        return nil
    }

    private func invalidJSON(_ failure: JSONScanner.Failure) -> SafeTensorsError {
        .invalidJSON(file: file, reason: failure.reason, offset: failure.offset)
    }

    private func interpretMetadata(_ value: JSONValue) throws(SafeTensorsError) -> [String: String]? {
        switch value {
        case .null:
            return nil
        case let .object(members):
            var result: [String: String] = [:]
            for (key, value) in members {
                guard case let .string(text) = value else {
                    throw .invalidMetadata(file: file, reason: "value of \(quoted(key)) must be a string, found \(value.kind)")
                }
                result[key] = text
            }
            return result
        default:
            throw .invalidMetadata(file: file, reason: "must be an object of string values, found \(value.kind)")
        }
    }

    private func interpretEntry(named name: String, _ value: JSONValue) throws(SafeTensorsError) -> Entry {
        var dtype: DType?, shape: [UInt64]?, offsets: (UInt64, UInt64)?
        switch value {
        case let .object(members):
            for (key, field) in members {
                switch key {
                case "dtype":
                    guard dtype == nil else { throw malformed(name, "field \"dtype\" appears twice") }
                    dtype = try interpretDType(of: name, field)
                case "shape":
                    guard shape == nil else { throw malformed(name, "field \"shape\" appears twice") }
                    shape = try interpretShape(of: name, field)
                case "data_offsets":
                    guard offsets == nil else { throw malformed(name, "field \"data_offsets\" appears twice") }
                    offsets = try interpretOffsets(of: name, field)
                default:
                    continue  // Unknown fields are ignored, as by the reference.
                }
            }
        case let .array(elements):
            // serde also accepts a struct written as a list of its fields in order.
            guard elements.count == 3 else {
                throw malformed(name, "a list entry needs exactly 3 elements (dtype, shape, data_offsets), found \(elements.count)")
            }
            dtype = try interpretDType(of: name, elements[0])
            shape = try interpretShape(of: name, elements[1])
            offsets = try interpretOffsets(of: name, elements[2])
        default:
            throw malformed(name, "entry must be an object with dtype, shape and data_offsets, found \(value.kind)")
        }
        guard let dtype else { throw malformed(name, "missing field \"dtype\"") }
        guard let shape else { throw malformed(name, "missing field \"shape\"") }
        guard let offsets else { throw malformed(name, "missing field \"data_offsets\"") }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets.0, end: offsets.1)
    }

    private func interpretDType(of name: String, _ value: JSONValue) throws(SafeTensorsError) -> DType {
        let text: String
        switch value {
        case let .string(string):
            text = string
        case let .object(members) where members.count == 1 && members[0].value == .null:
            // serde's externally tagged form of a unit variant: {"F32": null}.
            text = members[0].key
        default:
            throw malformed(name, "dtype must be a string, found \(value.kind)")
        }
        guard let dtype = DType(safetensorsName: text) else {
            throw .unknownDType(file: file, tensor: name, dtype: text)
        }
        return dtype
    }

    private func interpretShape(of name: String, _ value: JSONValue) throws(SafeTensorsError) -> [UInt64] {
        guard case let .array(elements) = value else {
            throw malformed(name, "shape must be a list of non-negative integers, found \(value.kind)")
        }
        var shape: [UInt64] = []
        shape.reserveCapacity(elements.count)
        for element in elements {
            guard case let .unsigned(dimension) = element else {
                throw malformed(name, "shape must be a list of non-negative integers, found \(element.kind) in it")
            }
            shape.append(dimension)
        }
        return shape
    }

    private func interpretOffsets(of name: String, _ value: JSONValue) throws(SafeTensorsError) -> (UInt64, UInt64) {
        guard case let .array(elements) = value, elements.count == 2 else {
            throw malformed(name, "data_offsets must be a list of two non-negative integers [begin, end], found \(describeList(value))")
        }
        guard case let .unsigned(begin) = elements[0], case let .unsigned(end) = elements[1] else {
            let bad = elements.first { if case .unsigned = $0 { false } else { true } } ?? value
            throw malformed(name, "data_offsets must be a list of two non-negative integers [begin, end], found \(bad.kind) in it")
        }
        return (begin, end)
    }

    private func describeList(_ value: JSONValue) -> String {
        if case let .array(elements) = value { return "a list of \(elements.count)" }
        return value.kind
    }

    private func malformed(_ name: String, _ reason: String) -> SafeTensorsError {
        .malformedEntry(file: file, tensor: name, reason: reason)
    }
}
