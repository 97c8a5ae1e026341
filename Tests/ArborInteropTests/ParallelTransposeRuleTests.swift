import Arbor
import ArborInterop
import ArborTensor
import Foundation
import Testing

/// The `transpose` rule runs on every core once there is at least 1 MiB of
/// work; the result must be exactly the serial one, in the same order.
@Suite struct ParallelTransposeRuleTests {
    @Test func parallelTransposeEqualsSerial() throws {
        var input = StateDict()
        for layer in 0..<6 {
            for (module, shape) in [("attn.c_attn", [64, 192]), ("attn.c_proj", [64, 64]),
                                    ("mlp.c_fc", [64, 256]), ("mlp.c_proj", [256, 65])] {
                let count = shape.reduce(1, *)
                let values = (0..<count).map { Float($0 &* 31 &+ layer) }
                input["transformer.h.\(layer).\(module).weight"] = Tensor(values, shape: shape)
            }
            input["transformer.h.\(layer).ln_1.weight"] = Tensor([Float](repeating: 1, count: 64))
        }
        input["transformer.wte.weight"] = Tensor([Float](repeating: 0.5, count: 4096 * 64), shape: [4096, 64])
        #expect(input.reduce(0) { $0 + $1.tensor.byteCount } > 1 << 20)

        let output = try StateDictRules.gpt2.apply(input)
        #expect(output.count == input.count)
        for (before, after) in zip(input, output) {
            #expect(after.name == String(before.name.dropFirst("transformer.".count)))
            let expected = before.name.hasSuffix(".weight") && before.tensor.rank == 2 && !before.name.contains("wte")
                ? before.tensor.transposed() : before.tensor
            #expect(after.tensor == expected, "\(after.name)")
        }
        let back = try StateDictRules.gpt2.apply(output, direction: .inverse)
        #expect(back.map(\.tensor) == input.map(\.tensor))
    }
}
