/// Reads one module's properties through its `Codable` conformance.
///
/// Swift writes `encode(to:)` for every `Codable` class, listing each stored
/// property with its name. This encoder receives those calls and records what
/// it is given: variables and modules as objects (not descended into here —
/// `GraphCapture` visits them in sorted path order afterwards), plain data as
/// attributes, arrays and dictionaries as containers. It never serialises bytes.
final class CaptureEncoder: Encoder {
    /// How keys of this container become `PathKey`s.
    enum KeyStyle { case properties, dictionaryNames, dictionaryIndices }

    let context: CaptureContext
    let hidden: Bool
    let style: KeyStyle
    private var storage: RawField?

    init(context: CaptureContext, hidden: Bool, style: KeyStyle) {
        self.context = context
        self.hidden = hidden
        self.style = style
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// What was encoded (an empty keyed container when nothing was).
    func result() -> RawField { storage ?? .keyed(KeyedStore()) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let store: KeyedStore
        if case .keyed(let existing) = storage { store = existing } else {
            store = KeyedStore()
            // Room for a typical module's properties: one allocation instead of
            // regrowing at the 1st, 2nd and 4th property.
            store.entries.reserveCapacity(4)
            storage = .keyed(store)
        }
        return KeyedEncodingContainer(CaptureKeyedContainer<Key>(context: context, store: store, hidden: hidden, style: style))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let store: UnkeyedStore
        if case .unkeyed(let existing) = storage { store = existing } else {
            store = UnkeyedStore()
            storage = .unkeyed(store)
        }
        return CaptureUnkeyedContainer(context: context, store: store, hidden: hidden)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        CaptureSingleContainer(encoder: self)
    }

    fileprivate func setSingle(_ field: RawField) { storage = field }

}

/// Per-traversal memory: how each static type met so far is to be captured.
/// Classifying by type (once) instead of casting each value matters: casting a
/// struct to a class type boxes it first, which made splitting 5x slower.
final class CaptureContext {
    enum Category { case variable, module, tensor, intKeyedDictionary, stringKeyedDictionary, other }
    /// A model has few distinct property types: a short list scans faster than hashing.
    private var recent: [(ObjectIdentifier, Category)] = []
    private var categories: [ObjectIdentifier: Category] = [:]
    /// Every type classified so far in this process (a metatype's category never changes).
    private static let shared = Locked<[ObjectIdentifier: Category]>([:])

    func category<T>(of type: T.Type) -> Category {
        let key = ObjectIdentifier(type)
        for entry in recent where entry.0 == key { return entry.1 }
        if let known = categories[key] { return known }
        let category = CaptureContext.shared.withLock { shared in
            if let known = shared[key] { return known }
            // First time in this process: the dynamic casts below look up
            // protocol conformances, which costs far more than a table lookup.
            let category: Category =
                if type is Variable.Type { .variable }
                else if type is any Module.Type { .module }
                else if type == Tensor.self { .tensor }
                else if type is IntKeyedDictionary.Type { .intKeyedDictionary }
                else if type is StringKeyedDictionary.Type { .stringKeyedDictionary }
                else { .other }
            shared[key] = category
            return category
        }
        categories[key] = category
        if recent.count < 16 { recent.append((key, category)) }
        return category
    }

    /// Captures one value: objects by reference, everything else by encoding it.
    func capture<T: Encodable>(_ value: T, hidden: Bool) throws -> RawField {
        let style: CaptureEncoder.KeyStyle
        switch category(of: T.self) {
        // `T` is a class here, so its value is one object reference: reading it
        // as such avoids the boxing `as AnyObject` does for arbitrary `T`.
        case .variable: return hidden ? .skipped : .variable(unsafeDowncast(unsafeBitCast(value, to: AnyObject.self), to: Variable.self))
        case .module:
            guard let module = unsafeBitCast(value, to: AnyObject.self) as? any Module else { return .null }
            return hidden ? .skipped : .module(module)
        case .tensor: throw CaptureFailure(reason: .rawTensor)
        case .intKeyedDictionary: style = .dictionaryIndices
        case .stringKeyedDictionary: style = .dictionaryNames
        case .other: style = .properties
        }
        let child = CaptureEncoder(context: self, hidden: hidden, style: style)
        try value.encode(to: child)
        return child.result()
    }
}

/// A module's properties as captured, before objects are visited.
enum RawField {
    case module(any Module)
    case variable(Variable)
    case attribute(AttributeValue)
    case keyed(KeyedStore)
    case unkeyed(UnkeyedStore)
    case deferred(CaptureEncoder)
    case null
    case skipped
}

extension RawField {
    /// Whether an object under a `_` property was left out somewhere inside.
    var containsSkipped: Bool {
        switch self {
        case .skipped: true
        case .keyed(let store): store.entries.contains { $0.field.containsSkipped }
        case .unkeyed(let store): store.items.contains { $0.containsSkipped }
        case .deferred(let encoder): encoder.result().containsSkipped
        case .module, .variable, .attribute, .null: false
        }
    }
}

final class KeyedStore {
    var entries: [(key: PathKey, field: RawField)] = []
}

final class UnkeyedStore {
    var items: [RawField] = []
}

/// An error raised while capturing, located relative to the module being read.
struct CaptureFailure: Error {
    enum Reason { case rawTensor, other(String) }
    var keys: [PathKey] = []
    var reason: Reason

    func prepending(_ key: PathKey) -> CaptureFailure {
        var copy = self
        copy.keys.insert(key, at: 0)
        return copy
    }
}

/// Marks `[Int: V]` so its keys become `.index`; `[String: V]` keys stay names
/// even when they spell numbers (both look alike to an encoder otherwise).
protocol IntKeyedDictionary {}
extension Dictionary: IntKeyedDictionary where Key == Int {}
protocol StringKeyedDictionary {}
extension Dictionary: StringKeyedDictionary where Key == String {}

private func located<T>(_ key: PathKey, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let failure as CaptureFailure { throw failure.prepending(key) }
}

struct CaptureKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let context: CaptureContext
    let store: KeyedStore
    let hidden: Bool
    let style: CaptureEncoder.KeyStyle
    var codingPath: [any CodingKey] { [] }

    private func pathKey(_ key: Key) -> PathKey {
        if style == .dictionaryIndices, let index = key.intValue { return .index(index) }
        return .name(key.stringValue)
    }

    /// Whether values under `key` are outside the state (a `_` property).
    private func hides(_ key: Key) -> Bool {
        hidden || (style == .properties && key.stringValue.hasPrefix("_"))
    }

    private func add(_ key: Key, _ field: RawField) { store.entries.append((pathKey(key), field)) }

    mutating func encodeNil(forKey key: Key) throws { add(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { add(key, .attribute(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { add(key, .attribute(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws { add(key, .attribute(.double(value.bitPattern))) }
    mutating func encode(_ value: Float, forKey key: Key) throws { add(key, .attribute(.float(value.bitPattern))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { add(key, .attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { add(key, .attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { add(key, .attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { add(key, .attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { add(key, .attribute(.int(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { add(key, .attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { add(key, .attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { add(key, .attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { add(key, .attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { add(key, .attribute(.uint(value))) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let pathKey = pathKey(key)
        let hidden = hides(key)
        var field = try located(pathKey) { try context.capture(value, hidden: hidden) }
        // A `_` property that holds objects is dropped whole: merge leaves it
        // `nil` (when optional) instead of failing inside it.
        if hidden && !self.hidden && field.containsSkipped { field = .skipped }
        store.entries.append((pathKey, field))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = KeyedStore()
        add(key, .keyed(nested))
        return KeyedEncodingContainer(CaptureKeyedContainer<NestedKey>(context: context, store: nested, hidden: hides(key), style: .properties))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = UnkeyedStore()
        add(key, .unkeyed(nested))
        return CaptureUnkeyedContainer(context: context, store: nested, hidden: hides(key))
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = CaptureEncoder(context: context, hidden: hidden, style: .properties)
        store.entries.append((.name("super"), .deferred(encoder)))
        return encoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let encoder = CaptureEncoder(context: context, hidden: hides(key), style: .properties)
        add(key, .deferred(encoder))
        return encoder
    }
}

struct CaptureUnkeyedContainer: UnkeyedEncodingContainer {
    let context: CaptureContext
    let store: UnkeyedStore
    let hidden: Bool
    var codingPath: [any CodingKey] { [] }
    var count: Int { store.items.count }

    private func add(_ field: RawField) { store.items.append(field) }

    mutating func encodeNil() throws { add(.null) }
    mutating func encode(_ value: Bool) throws { add(.attribute(.bool(value))) }
    mutating func encode(_ value: String) throws { add(.attribute(.string(value))) }
    mutating func encode(_ value: Double) throws { add(.attribute(.double(value.bitPattern))) }
    mutating func encode(_ value: Float) throws { add(.attribute(.float(value.bitPattern))) }
    mutating func encode(_ value: Int) throws { add(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int8) throws { add(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int16) throws { add(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int32) throws { add(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int64) throws { add(.attribute(.int(value))) }
    mutating func encode(_ value: UInt) throws { add(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt8) throws { add(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt16) throws { add(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt32) throws { add(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt64) throws { add(.attribute(.uint(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = PathKey.index(store.items.count)
        let hidden = hidden
        add(try located(index) { try context.capture(value, hidden: hidden) })
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = KeyedStore()
        add(.keyed(nested))
        return KeyedEncodingContainer(CaptureKeyedContainer<NestedKey>(context: context, store: nested, hidden: hidden, style: .properties))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = UnkeyedStore()
        add(.unkeyed(nested))
        return CaptureUnkeyedContainer(context: context, store: nested, hidden: hidden)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = CaptureEncoder(context: context, hidden: hidden, style: .properties)
        add(.deferred(encoder))
        return encoder
    }
}

struct CaptureSingleContainer: SingleValueEncodingContainer {
    let encoder: CaptureEncoder
    var codingPath: [any CodingKey] { [] }

    private func set(_ field: RawField) { encoder.setSingle(field) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.attribute(.bool(value))) }
    mutating func encode(_ value: String) throws { set(.attribute(.string(value))) }
    mutating func encode(_ value: Double) throws { set(.attribute(.double(value.bitPattern))) }
    mutating func encode(_ value: Float) throws { set(.attribute(.float(value.bitPattern))) }
    mutating func encode(_ value: Int) throws { set(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int8) throws { set(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int16) throws { set(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int32) throws { set(.attribute(.int(Int64(value)))) }
    mutating func encode(_ value: Int64) throws { set(.attribute(.int(value))) }
    mutating func encode(_ value: UInt) throws { set(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt8) throws { set(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt16) throws { set(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt32) throws { set(.attribute(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt64) throws { set(.attribute(.uint(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        set(try encoder.context.capture(value, hidden: encoder.hidden))
    }
}
