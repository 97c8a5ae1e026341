import Arbor
import ArborInterop
import ArborTensor
import ArborTestSupport
import SafeTensors
import Testing

/// A padded batch (left-padded, right-padded and full rows) with its
/// attention mask gives transformers' logits at every real token
/// (`<family>/padded.safetensors`, made by Tests/Fixtures/llama/make_fixtures.py).
@Suite struct LlamaPaddedBatchTests {
    @Test(arguments: ["llama", "qwen2"])
    func maskedLogitsMatchTransformers(family: String) throws {
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("\(family)/padded.safetensors"))
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("\(family)/single")).loadLlama()
        let ids = try reference.tensor(named: "input_ids")
        let mask = try reference.tensor(named: "attention_mask")
        let logits = model(ids, attentionMask: mask).scalars(as: Float.self)
        let expected = try reference.tensor(named: "logits").scalars(as: Float.self)
        let vocabulary = model.config.vocabularySize
        var largest: Float = 0
        for (position, keep) in mask.scalars(as: Int64.self).enumerated() where keep == 1 {
            for index in (position * vocabulary)..<((position + 1) * vocabulary) {
                largest = max(largest, abs(logits[index] - expected[index]))
            }
        }
        #expect(largest <= 1e-4)
    }

    /// Without the mask the left-padded row differs (the pads are attended to), so the mask is what matters.
    @Test func theMaskChangesLeftPaddedRows() throws {
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("llama/padded.safetensors"))
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("llama/single")).loadLlama()
        let ids = try reference.tensor(named: "input_ids")
        let masked = model(ids, attentionMask: try reference.tensor(named: "attention_mask"))
        #expect(TensorComparison.largestDifference(model(ids), masked) > 1e-3)
        #expect(masked.scalars(as: Float.self).allSatisfy { $0.isFinite })
    }
}
