/// Allocation-light scanning of the shapes that make up nearly every header:
/// lists of plain non-negative integers and strings without escapes. Each method
/// returns `nil` at anything unusual, and the caller then rewinds and takes the
/// general path, which reports errors exactly; so these never decide validity.
extension JSONScanner {
    /// Consumes `byte` after whitespace; `false` (nothing consumed) otherwise.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    /// A list of plain non-negative integers that fit in 64 bits, or `nil`.
    mutating func scanPlainUnsignedList() -> [UInt64]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var values: [UInt64] = []
        if consume(UInt8(ascii: "]")) { return values }
        while true {
            guard let value = scanPlainUnsigned() else { return nil }
            values.append(value)
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]")) ? values : nil
        }
    }

    /// A string with no escapes or control characters, or `nil`.
    mutating func scanPlainString() -> String? {
        scanPlainStringBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes (quotes excluded) of a string with no escapes or control
    /// characters, or `nil`: lets a caller match a known key or dtype name
    /// without making a `String`.
    mutating func scanPlainStringBytes() -> UnsafeRawBufferPointer? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<(position - 1)])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    /// A list of exactly two plain non-negative integers (`[begin, end]`), or `nil`.
    mutating func scanPlainUnsignedPair() -> (UInt64, UInt64)? {
        guard consume(UInt8(ascii: "[")), let first = scanPlainUnsigned(), consume(UInt8(ascii: ",")),
              let second = scanPlainUnsigned(), consume(UInt8(ascii: "]")) else { return nil }
        return (first, second)
    }

    private mutating func scanPlainUnsigned() -> UInt64? {
        guard let first = peek(), first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        var value: UInt64 = 0
        var digits = 0
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
            digits += 1
            position += 1
        }
        if first == UInt8(ascii: "0"), digits > 1 { return nil }
        if position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        return value
    }
}
