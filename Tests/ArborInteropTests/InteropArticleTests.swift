import Arbor
import ArborInterop
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// The examples of the Interop article (Sources/ArborInterop/ArborInterop.docc),
/// compiled and run on the committed GPT-2 fixture; `DocumentationExampleTests`
/// checks the article's lines are these lines.
@Suite struct InteropArticleTests {
    @Test func stateDictRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let weightsFile = directory.file("linear.safetensors")

        let model = Linear(4, 2, key: RandomKey(seed: 0))
        let exported = try StateDict.export(model)                 // "bias", "weight"
        try SafeTensorsWriter.write(exported, to: weightsFile)

        let tensors = try SafeTensorsCollection.open(weightsFile).tensors()
        let fresh = Linear(4, 2, key: RandomKey(seed: 1))
        let (state, report) = try StateDictLoader().load(tensors, into: try Graph.state(fresh))
        try Graph.update(fresh, state)
        print(report.isClean)                                      // true: nothing missing or unexpected

        #expect(exported.names.sorted() == ["bias", "weight"])
        #expect(report.isClean)
        #expect(try Graph.state(fresh) == (try Graph.state(model)))
    }

    @Test func huggingFaceGPT2() throws {
        let directory = try TemporaryDirectory()
        let gpt2Directory = Fixtures.url("gpt2/single"), exportDirectory = directory.file("gpt2-bf16")

        let source = try HuggingFaceModelDirectory(opening: gpt2Directory)
        let (gpt2, _) = try source.loadGPT2()           // strict: one error lists every bad key
        let (tokens, _) = try gpt2.greedy(prompt: [5, 17, 42], maxNewTokens: 8)
        try HuggingFaceModelDirectory.save(gpt2, to: exportDirectory,
                                           options: .init(dtype: .bfloat16, baseConfig: source.config))

        #expect(tokens.count == 8)
        let reloaded = try HuggingFaceModelDirectory(opening: exportDirectory).tensors()
        #expect(reloaded.allSatisfy { $0.tensor.dtype == .bfloat16 })
    }

    @Test func convertThroughACheckpoint() throws {
        let directory = try TemporaryDirectory()
        let gpt2Directory = Fixtures.url("gpt2/single")
        let checkpointDirectory = directory.file("gpt2-ckpt"), roundTripDirectory = directory.file("gpt2-again")

        // Hugging Face directory -> Arbor checkpoint -> Hugging Face directory, byte for byte.
        let toCheckpoint = ModelConverter(
            source: try .init(gpt2Directory), destination: checkpointDirectory,
            options: .init(layout: .checkpoint))      // `dtype: .bfloat16` would cast on the way
        try toCheckpoint.convert()
        let back = ModelConverter(
            source: try .init(checkpointDirectory), destination: roundTripDirectory,
            options: .init(layout: .huggingFace))
        let result = try back.convert { print($0.completedBytes, "of", $0.totalBytes) }
        print(result.tensorCount, result.weightFiles)

        for name in ["config.json", "model.safetensors"] {
            let original = try Data(contentsOf: gpt2Directory.appendingPathComponent(name))
            #expect(try Data(contentsOf: roundTripDirectory.appendingPathComponent(name)) == original)
        }
    }
}
