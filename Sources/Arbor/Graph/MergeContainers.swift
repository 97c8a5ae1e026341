/// Keyed access to a module's (or struct's, or dictionary's) recorded fields.
struct MergeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: MergeDecoder
    let entries: [KeyedField]
    private let index: [String: Int]?

    init(decoder: MergeDecoder, entries: [KeyedField]) {
        self.decoder = decoder
        self.entries = entries
        // Large containers (big dictionaries) get a lookup table; a module's
        // handful of properties is faster to scan.
        if entries.count > 16 {
            var table: [String: Int] = [:]
            table.reserveCapacity(entries.count)
            for (position, entry) in entries.enumerated() { table[entry.key.text] = position }
            index = table
        } else {
            index = nil
        }
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        entries.compactMap { entry in
            if case .skipped = entry.field { return nil }
            if case .index(let value) = entry.key, let key = Key(intValue: value) { return key }
            return Key(stringValue: entry.key.text)
        }
    }

    private func entry(_ key: Key) -> KeyedField? {
        let wanted = key.stringValue
        if let index { return index[wanted].map { entries[$0] } }
        for entry in entries {
            switch entry.key {
            case .name(let name): if name == wanted { return entry }
            case .index(let value): if key.intValue == value || wanted == String(value) { return entry }
            }
        }
        return nil
    }

    private func field(_ key: Key) throws -> KeyedField {
        guard let entry = entry(key) else {
            throw MergeFailure(path: decoder.path.appending(.name(key.stringValue)), reason: .missing)
        }
        return entry
    }

    func contains(_ key: Key) -> Bool {
        guard let entry = entry(key) else { return false }
        if case .skipped = entry.field { return false }
        return true
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        switch try field(key).field {
        case .null, .skipped: true
        default: false
        }
    }

    private func attribute<T>(_ key: Key, _ type: T.Type) throws -> T {
        let entry = try field(key)
        return try decoder.attribute(entry.field, as: T.self, key: entry.key)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try attribute(key, type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try attribute(key, type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try attribute(key, type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try attribute(key, type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try attribute(key, type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try attribute(key, type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try attribute(key, type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try attribute(key, type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try attribute(key, type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try attribute(key, type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try attribute(key, type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try attribute(key, type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try attribute(key, type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try attribute(key, type) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let entry = try field(key)
        return try decoder.decode(type, field: entry.field, key: entry.key)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let entry = try field(key)
        return try MergeDecoder(context: decoder.context, field: entry.field, parent: decoder, key: entry.key,
                                base: decoder.base).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let entry = try field(key)
        return try MergeDecoder(context: decoder.context, field: entry.field, parent: decoder, key: entry.key,
                                base: decoder.base).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        guard let entry = entries.first(where: { $0.key == .name("super") }) else {
            throw MergeFailure(path: decoder.path.appending(.name("super")), reason: .missing)
        }
        return MergeDecoder(context: decoder.context, field: entry.field, parent: decoder, key: entry.key, base: decoder.base)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        let entry = try field(key)
        return MergeDecoder(context: decoder.context, field: entry.field, parent: decoder, key: entry.key, base: decoder.base)
    }
}

/// Sequential access to a recorded array.
struct MergeUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: MergeDecoder
    let items: [FieldDef]
    var currentIndex = 0

    init(decoder: MergeDecoder, items: [FieldDef]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> (FieldDef, PathKey) {
        guard !isAtEnd else {
            throw MergeFailure(path: decoder.path.appending(.index(currentIndex)), reason: .missing)
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], .index(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        switch items[currentIndex] {
        case .null, .skipped:
            currentIndex += 1
            return true
        default: return false
        }
    }

    private mutating func attribute<T>(_ type: T.Type) throws -> T {
        let (field, key) = try next()
        return try decoder.attribute(field, as: T.self, key: key)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try attribute(type) }
    mutating func decode(_ type: String.Type) throws -> String { try attribute(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try attribute(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try attribute(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try attribute(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try attribute(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try attribute(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try attribute(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try attribute(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try attribute(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try attribute(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try attribute(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try attribute(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try attribute(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (field, key) = try next()
        return try decoder.decode(type, field: field, key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (field, key) = try next()
        return try MergeDecoder(context: decoder.context, field: field, parent: decoder, key: key, base: decoder.base)
            .container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (field, key) = try next()
        return try MergeDecoder(context: decoder.context, field: field, parent: decoder, key: key, base: decoder.base)
            .unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (field, key) = try next()
        return MergeDecoder(context: decoder.context, field: field, parent: decoder, key: key, base: decoder.base)
    }
}

/// A single recorded value.
struct MergeSingleContainer: SingleValueDecodingContainer {
    let decoder: MergeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        switch decoder.field {
        case .null, .skipped: true
        default: false
        }
    }

    private func attribute<T>(_ type: T.Type) throws -> T { try decoder.attribute(decoder.field, as: T.self, key: nil) }

    func decode(_ type: Bool.Type) throws -> Bool { try attribute(type) }
    func decode(_ type: String.Type) throws -> String { try attribute(type) }
    func decode(_ type: Double.Type) throws -> Double { try attribute(type) }
    func decode(_ type: Float.Type) throws -> Float { try attribute(type) }
    func decode(_ type: Int.Type) throws -> Int { try attribute(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try attribute(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try attribute(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try attribute(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try attribute(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try attribute(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try attribute(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try attribute(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try attribute(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try attribute(type) }

    /// An object is returned directly; a wrapped value (Optional, `AnyModule`, a
    /// `RawRepresentable` enum) is decoded from this same field.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.decode(type, field: decoder.field, key: nil)
    }
}
