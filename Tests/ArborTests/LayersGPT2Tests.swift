import Arbor
import ArborExamples
import Testing

@Suite("GPT2")
struct LayersGPT2Tests {
    /// Maps a Hugging Face GPT-2 file into `GPT2` (Conv1D weights transposed).
    private func load() throws -> GPT2 {
        let weights = try GradFixture.load("gpt2/single/model.safetensors")
        let model = GPT2(.tiny, key: RandomKey(seed: 0))
        var entries: [(Path, VariableState)] = []
        for (name, value) in weights {
            let trimmed = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
            let keys: [PathKey] = trimmed.split(separator: ".").map { Int($0).map(PathKey.index) ?? .name(String($0)) }
            let conv = ["c_attn", "c_proj", "c_fc"].contains { trimmed.contains($0) } && trimmed.hasSuffix("weight")
            entries.append((Path(keys), VariableState(kind: .param, value: conv ? value.transposed() : value)))
        }
        try Graph.update(model, try State(flat: entries))
        return model
    }

    @Test("logits match transformers' GPT-2 on the fixture")
    func matchesTransformers() throws {
        let model = try load()
        let reference = try GradFixture.load("gpt2/reference.safetensors")
        let logits = model(try #require(reference["input_ids"]))
        #expect(logits.allClose(try #require(reference["logits"]), rtol: 1e-4, atol: 1e-4))
    }

    @Test("the head is tied: one Param, stored once, gradient once")
    func tied() throws {
        let model = GPT2(GPT2Config(vocabularySize: 16, positions: 8, width: 8, layers: 1, heads: 2), key: RandomKey(seed: 1))
        #expect(model.lmHead === model.wte.weight)
        let state = try Graph.state(model)
        #expect(state.count == 16)
        #expect(state[Path(["h", 0, "attn", "c_attn", "weight"])]?.shape == [24, 8])
        let ids = Tensor([1, 2, 3, 4, 5, 6] as [Int64], shape: [2, 3])
        let targets = Tensor([2, 3, 4, 5, 6, 7] as [Int64], shape: [2, 3])
        let (loss, grads) = try grad(of: model) { m in m(ids).crossEntropy(labels: targets) }
        #expect(grads.count == 16 && loss.scalars(as: Float.self)[0].isFinite)
    }
}
