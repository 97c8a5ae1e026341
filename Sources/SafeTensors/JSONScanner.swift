import Foundation

/// A strict JSON reader over raw bytes with serde_json's rules, because the
/// reference safetensors reader is serde_json: RFC 8259 syntax only (no comments,
/// trailing commas, leading `+` or zeros), whitespace allowed around values,
/// unescaped control characters rejected, escapes `\uD800`-style surrogates only in
/// valid pairs, numbers that overflow a double rejected, and nesting deeper than
/// 127 containers rejected. It never traps on any input: every failure is a
/// `Failure` carrying the byte offset.
struct JSONScanner {
    /// A syntax error at a byte offset of the input.
    struct Failure: Error {
        var reason: String
        var offset: Int
    }

    /// Containers nested deeper than this are rejected, as serde_json does.
    static let maximumDepth = 127

    let bytes: UnsafeRawBufferPointer
    var position = 0
    private var depth = 0

    /// Scans `bytes`, which the caller has checked to be valid UTF-8.
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    // MARK: Primitives

    /// The next non-whitespace byte without consuming it; `nil` at the end.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) or fails naming what was expected.
    mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        guard peek() == byte else { throw failure(expected: what) }
        position += 1
    }

    func failure(_ reason: String, at offset: Int? = nil) -> Failure {
        Failure(reason: reason, offset: offset ?? position)
    }

    func failure(expected what: String) -> Failure {
        position < bytes.count
            ? failure("expected \(what)")
            : failure("unexpected end of input, expected \(what)")
    }

    /// Enters an array or object, enforcing the nesting limit.
    mutating func enterContainer() throws(Failure) {
        depth += 1
        if depth > JSONScanner.maximumDepth { throw failure("nesting deeper than \(JSONScanner.maximumDepth) levels") }
    }

    mutating func leaveContainer() { depth -= 1 }

    /// After the top-level value: only whitespace may follow.
    mutating func expectEnd() throws(Failure) {
        if peek() != nil { throw failure("trailing characters after the JSON value") }
    }

    // MARK: Objects and arrays, streamed

    /// Walks an object's members, calling `member` with each key once the scanner
    /// stands at its value; `member` must consume the value.
    mutating func scanObject<E: Error>(
        _ member: (inout JSONScanner, String) throws(E) -> Void
    ) throws(ObjectScanError<E>) {
        do throws(Failure) {
            try expect(UInt8(ascii: "{"), "an object")
            try enterContainer()
        } catch { throw .syntax(error) }
        if peek() == UInt8(ascii: "}") {
            position += 1
            leaveContainer()
            return
        }
        while true {
            let key: String
            do throws(Failure) {
                guard peek() == UInt8(ascii: "\"") else { throw failure(expected: "a string key") }
                key = try scanString()
                try expect(UInt8(ascii: ":"), "':' after an object key")
            } catch { throw .syntax(error) }
            do throws(E) { try member(&self, key) } catch { throw .member(error) }
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
                if peek() == UInt8(ascii: "}") { throw .syntax(failure("trailing comma")) }
            case UInt8(ascii: "}"):
                position += 1
                leaveContainer()
                return
            default: throw .syntax(failure(expected: "',' or '}' in an object"))
            }
        }
    }

    /// Either a syntax failure or an error thrown by a member handler.
    enum ObjectScanError<E: Error>: Error {
        case syntax(Failure)
        case member(E)
    }

    // MARK: Values

    /// Parses any value into a `JSONValue`.
    mutating func scanValue() throws(Failure) -> JSONValue {
        guard let byte = peek() else { throw failure(expected: "a value") }
        switch byte {
        case UInt8(ascii: "{"):
            var members: [(key: String, value: JSONValue)] = []
            do throws(ObjectScanError<Failure>) {
                try scanObject { (scanner: inout JSONScanner, key: String) throws(Failure) in
                    members.append((key, try scanner.scanValue()))
                }
            } catch {
                switch error {
                case let .syntax(failure), let .member(failure): throw failure
                }
            }
            return .object(members)
        case UInt8(ascii: "["):
            position += 1
            try enterContainer()
            var elements: [JSONValue] = []
            if peek() == UInt8(ascii: "]") {
                position += 1
                leaveContainer()
                return .array(elements)
            }
            while true {
                elements.append(try scanValue())
                switch peek() {
                case UInt8(ascii: ","):
                    position += 1
                    if peek() == UInt8(ascii: "]") { throw failure("trailing comma") }
                case UInt8(ascii: "]"):
                    position += 1
                    leaveContainer()
                    return .array(elements)
                default: throw failure(expected: "',' or ']' in a list")
                }
            }
        case UInt8(ascii: "\""): return .string(try scanString())
        case UInt8(ascii: "t"): try scanLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try scanLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try scanLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try scanNumber()
        default: throw failure("expected a value")
        }
    }

    private mutating func scanLiteral(_ word: StaticString) throws(Failure) {
        let start = position
        let length = word.utf8CodeUnitCount
        guard position + length <= bytes.count else { throw failure("invalid literal", at: start) }
        for index in 0..<length where bytes[position + index] != word.utf8Start[index] {
            throw failure("invalid literal", at: start)
        }
        position += length
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote.
    mutating func scanString() throws(Failure) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes, the bytes are the string.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("control character in a string") }
            position += 1
        }
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try scanEscape(into: &decoded)
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                decoded.append(byte)
                position += 1
            }
        }
        throw failure("unexpected end of input in a string")
    }

    private mutating func scanEscape(into decoded: inout [UInt8]) throws(Failure) {
        guard position < bytes.count else { throw failure("unexpected end of input in an escape") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var value = try scanHex4()
            if (0xDC00...0xDFFF).contains(value) { throw failure("lone trailing surrogate in a \\u escape") }
            if (0xD800...0xDBFF).contains(value) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("lone leading surrogate in a \\u escape")
                }
                position += 2
                let low = try scanHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("invalid surrogate pair in a \\u escape") }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(value) else { throw failure("invalid \\u escape") }
            decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw failure("invalid escape", at: position - 1)
        }
    }

    private mutating func scanHex4() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    // MARK: Numbers

    /// Parses a number, classifying it as serde_json does.
    mutating func scanNumber() throws(Failure) -> JSONValue {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("invalid number", at: start) }
        var magnitude: UInt64 = 0
        var overflow = false
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw failure("invalid number (leading zero)", at: start) }
        } else {
            while position < bytes.count, isDigit(bytes[position]) {
                let digit = UInt64(bytes[position] - UInt8(ascii: "0"))
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                overflow = overflow || o1 || o2
                magnitude = sum
                position += 1
            }
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("invalid number", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("invalid number", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if isInteger, !overflow {
            if !negative { return .unsigned(magnitude) }
            if magnitude != 0, magnitude <= UInt64(Int64.max) + 1 {
                return .negative(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw failure("number out of range", at: start) }
        return .float(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
