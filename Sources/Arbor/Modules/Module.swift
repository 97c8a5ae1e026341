/// A layer or model: an object whose stored properties hold its variables,
/// sub-modules and plain settings.
///
/// Conforming is one word. Arbor discovers a module's children through the
/// `Codable` conformance the compiler writes for the class, so nothing else
/// needs registering, and `Graph.merge`/`Graph.clone` can build new instances
/// of *your* type:
///
/// ```swift
/// final class MLP: Module {
///     let layers: [Linear]          // array → index keys: layers/0/weight
///     let norm: LayerNorm?          // optional: absent when nil
///     var heads: [String: Linear]   // dictionary → name keys, sorted
///     var dropoutRate = 0.1         // plain data: kept in the GraphDef, restored by merge
///     var _scratch: [Float] = []    // `_`-prefixed: never state
///     init(...) { ... }
/// }
/// ```
///
/// Rules, and why:
/// - Declare the class `final` (or write `encode(to:)`/`init(from:)` yourself):
///   Swift synthesises `Codable` only for the class that declares it, so a
///   subclass's new properties would be invisible. Arbor checks this once per
///   type and names the property it cannot see.
/// - Every stored property must be `Codable`: variables, modules, arrays,
///   dictionaries, optionals and plain data all are. Keep tensors in a
///   `Variable` (a raw `Tensor` property is an error naming its path).
///   Properties that cannot be `Codable` (closures) go in custom `CodingKeys`
///   with a default value.
/// - Properties whose name starts with `_` are not state: variables and modules
///   found under them are not traversed (on merge they come back `nil`, so make
///   them optional); plain data under them is kept like any other setting.
/// - Reference cycles (a child pointing at its parent) are reported as an error
///   naming both paths.
///
/// Modules are classes because identity matters: the same sub-module reachable
/// twice is one module, and stays one through `split`/`merge`.
public protocol Module: AnyObject, Codable {}

/// A module of any type, for heterogeneous lists (`[AnyModule]`).
///
/// `merge` rebuilds the concrete type recorded in the `GraphDef`, so a list of
/// mixed layers round-trips without a type registry.
public struct AnyModule: Codable {
    /// The wrapped module.
    public let base: any Module

    /// Wraps `base`.
    public init(_ base: any Module) { self.base = base }

    /// Writes the wrapped module itself (Arbor sees through the wrapper).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(base)
    }

    /// Only Arbor's merge can decode an `AnyModule`: it knows the concrete type.
    public init(from decoder: any Decoder) throws {
        guard let merging = decoder as? MergeDecoder else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "AnyModule is rebuilt by Graph.merge, which records the concrete type"))
        }
        base = try merging.decodeModule()
    }
}

/// Whether `Graph.evalShape` is running on this task (variables created now are abstract).
enum ShapeEvaluation {
    @TaskLocal static var isActive = false
}
