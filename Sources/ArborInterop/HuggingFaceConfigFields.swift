import Foundation

/// The fields of a `config.json` with typed, refusing accessors: what
/// `LlamaConfig(huggingFaceConfig:)` and `BERTConfig(huggingFaceConfig:)`
/// read through, so each refusal names the file, the architecture and the field.
struct HuggingFaceConfigFields {
    /// The parsed object.
    let fields: [String: Any]
    /// The file, for errors.
    let source: String
    /// The Arbor layer, for errors (`Llama`, `BERT`).
    let architecture: String

    /// Parses `data`, refusing anything but a JSON object.
    init(_ data: Data, source: String, architecture: String) throws(ArchitectureConfigError) {
        guard let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw .notJSONObject(source: source)
        }
        self.init(fields: fields, source: source, architecture: architecture)
    }

    /// Reads `fields` (a nested object such as `rope_parameters`) as from `source`.
    init(fields: [String: Any], source: String, architecture: String) {
        self.fields = fields
        self.source = source
        self.architecture = architecture
    }

    /// Whether `field` is absent or JSON `null`.
    func isNull(_ field: String) -> Bool { fields[field] == nil || fields[field] is NSNull }

    /// A positive whole number, or `fallback` when absent and a fallback is given.
    func int(_ field: String, default fallback: Int? = nil) throws(ArchitectureConfigError) -> Int {
        if isNull(field), let fallback { return fallback }
        guard let number = fields[field] as? NSNumber,
              number.doubleValue == number.doubleValue.rounded(), number.doubleValue >= 1,
              number.doubleValue < 9.0e18 else {
            throw .missingField(source: source, field: field)
        }
        return number.intValue
    }

    /// A finite number, or `fallback` when absent.
    func double(_ field: String, default fallback: Double) throws(ArchitectureConfigError) -> Double {
        if isNull(field) { return fallback }
        guard let number = fields[field] as? NSNumber, number.doubleValue.isFinite else {
            throw unsupported(field, supported: "a number")
        }
        return number.doubleValue
    }

    /// A Boolean, or `fallback` when absent.
    func flag(_ field: String, default fallback: Bool) throws(ArchitectureConfigError) -> Bool {
        if isNull(field) { return fallback }
        guard let value = fields[field] as? Bool else { throw unsupported(field, supported: "true or false") }
        return value
    }

    /// A string, or `fallback` when absent.
    func string(_ field: String, default fallback: String) throws(ArchitectureConfigError) -> String {
        if isNull(field) { return fallback }
        guard let value = fields[field] as? String else { throw unsupported(field, supported: "a string") }
        return value
    }

    /// Throws `unsupported` for `field` unless `ok`.
    func require(_ field: String, _ ok: Bool, supported: String) throws(ArchitectureConfigError) {
        if !ok { throw unsupported(field, supported: supported) }
    }

    /// The error for `field`'s present value.
    func unsupported(_ field: String, supported: String) -> ArchitectureConfigError {
        .unsupported(source: source, architecture: architecture, field: field, value: describe(fields[field]),
                     supported: supported)
    }

    /// Checks that the products of the given sizes (each a weight's element
    /// count) fit in an `Int` as a count of f32 bits, which is how a tensor's
    /// size is computed (`DType.byteCount(forElements:)`): a product that fits
    /// only as elements (vocab 1e9 × width 1e9) would trap in `Tensor.abstract`.
    func requireProductsFit(_ products: [(String, [Int])]) throws(ArchitectureConfigError) {
        for (fields, sizes) in products {
            var total = 32  // bits of one f32 element
            for size in sizes {
                let (product, overflow) = total.multipliedReportingOverflow(by: size)
                if overflow { throw .tooLarge(source: source, fields: fields) }
                total = product
            }
        }
    }

    /// A value as JSON would show it.
    private func describe(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        if let string = value as? String { return "\"\(string)\"" }
        if JSONSerialization.isValidJSONObject([value]),
           let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            return String(text.dropFirst().dropLast())
        }
        return "\(value)"
    }
}

extension HuggingFaceConfigFields {
    /// A `config.json`: `defaults`, overridden by the fields of `base` (the
    /// config a model was loaded from, keeping its token ids and the like),
    /// overridden by `fields` (what the Arbor model computes) and `dtype`
    /// (also in `torch_dtype` when `base` has one).
    static func written(defaults: [String: Any], base: Data?, fields: [String: Any], dtype: String) -> Data {
        var config = defaults
        if let base, let object = try? JSONSerialization.jsonObject(with: base) as? [String: Any] {
            config.merge(object) { _, kept in kept }
        }
        config.merge(fields) { _, new in new }
        config["dtype"] = dtype
        if config["torch_dtype"] != nil { config["torch_dtype"] = dtype }
        return encoded(config)
    }

    /// An f32 as the shortest decimal that reads back to it (`1e-05`, not `9.99999974737875e-06`).
    static func number(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    /// `config` as `config.json` bytes: pretty-printed, sorted keys, a final newline.
    static func encoded(_ config: [String: Any]) -> Data {
        var data = (try? JSONSerialization.data(withJSONObject: config,
                                                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
