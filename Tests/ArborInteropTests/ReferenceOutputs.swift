import ArborTensor
import ArborTestSupport
import SafeTensors

/// A fixture's `reference.safetensors` (what transformers computed).
struct ReferenceOutputs {
    let file: SafeTensorsFile

    /// The reference of fixture folder `name` (`llama`, `qwen2`, `bert`).
    init(_ name: String) throws {
        file = try SafeTensorsFile(contentsOf: Fixtures.url("\(name)/reference.safetensors"))
    }

    /// A reference tensor.
    func tensor(_ name: String) throws -> Tensor { try file.tensor(named: name) }

    /// An int64 reference tensor as `Int`s.
    func ints(_ name: String) throws -> [Int] { try tensor(name).scalars(as: Int64.self).map(Int.init) }
}
