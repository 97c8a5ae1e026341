import Arbor
import ArborInterop
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// Llama (GQA, untied head) and Qwen2 (q/k/v biases, tied head) directories
/// made by transformers (Tests/Fixtures/llama, qwen2) loaded into Arbor's
/// `Llama`, checked against transformers' logits and greedy tokens, and written back.
@Suite struct LlamaDirectoryTests {
    /// `bin` holds the `single` tensors as `pytorch_model.bin` only (no safetensors).
    static let directories = ["llama/single", "llama/sharded", "llama/bf16", "llama/bin",
                              "qwen2/single", "qwen2/sharded", "qwen2/bf16", "qwen2/bin"]

    /// `("llama", "_bf16")` for `llama/bf16`.
    static func family(_ directory: String) -> (String, String) {
        let parts = directory.split(separator: "/").map(String.init)
        return (parts[0], parts[1] == "bf16" ? "_bf16" : "")
    }

    @Test(arguments: directories)
    func logitsMatchTransformers(directory: String) throws {
        let (family, suffix) = Self.family(directory)
        let reference = try ReferenceOutputs(family)
        let (model, report) = try HuggingFaceModelDirectory(opening: Fixtures.url(directory)).loadLlama()
        #expect(report.isClean)
        #expect(model.config.tiedHead == (family == "qwen2"))
        #expect(model.config.queryKeyValueBias == (family == "qwen2"))
        #expect(model.config.keyValueHeads == (family == "llama" ? 2 : 4))
        let logits = model(try reference.tensor("input_ids"))
        #expect(TensorComparison.largestDifference(logits, try reference.tensor("logits" + suffix)) <= 1e-4)
    }

    @Test(arguments: directories)
    func greedyTokensMatchTransformers(directory: String) throws {
        let (family, suffix) = Self.family(directory)
        let reference = try ReferenceOutputs(family)
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url(directory)).loadLlama()
        let (tokens, last) = try model.greedy(prompt: try reference.ints("prompt_ids"), maxNewTokens: 8)
        #expect(tokens == (try reference.ints("greedy_tokens" + suffix)))
        #expect(TensorComparison.largestDifference(Tensor(last), try reference.tensor("prompt_last_logits" + suffix)) <= 1e-4)
    }

    /// f16 weights (cast from the f32 file) give transformers' logits for the same rounding.
    @Test(arguments: ["llama", "qwen2"])
    func f16WeightsMatchTransformers(family: String) throws {
        let directory = try HuggingFaceModelDirectory(opening: Fixtures.url("\(family)/single"))
        let half = try directory.tensors().castingFloatingPoint(to: .float16)
        let (model, _) = try HuggingFaceModelDirectory.loadLlama(config: try directory.llamaConfig(), tensors: half, source: "f16")
        let reference = try ReferenceOutputs(family)
        #expect(TensorComparison.largestDifference(model(try reference.tensor("input_ids")),
                                                   try reference.tensor("logits_f16")) <= 1e-4)
    }

    /// The export holds the fixture's own tensors under the fixture's names
    /// (no `lm_head.weight` for the tied Qwen2), and loads back identically.
    @Test(arguments: ["llama", "qwen2"])
    func exportReproducesTheTransformersFile(family: String) throws {
        let source = try HuggingFaceModelDirectory(opening: Fixtures.url("\(family)/single"))
        let (model, _) = try source.loadLlama()
        let temp = try TemporaryDirectory()
        let out = temp.file("export")
        let result = try HuggingFaceModelDirectory.save(model, to: out, options: .init(baseConfig: source.config))
        #expect(result.files.map(\.lastPathComponent) == ["model.safetensors"])
        let original = try SafeTensorsFile(contentsOf: Fixtures.url("\(family)/single/model.safetensors"))
        let exported = try SafeTensorsFile(contentsOf: out.appendingPathComponent("model.safetensors"))
        #expect(exported.metadata == ["format": "pt"])
        #expect(exported.names.sorted() == original.names.sorted())
        #expect(exported.names.contains("lm_head.weight") == (family == "llama"))
        for name in original.names {
            #expect(try exported.tensor(named: name) == original.tensor(named: name), "\(name)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json")))
            as? [String: Any]
        #expect(config?["model_type"] as? String == family)
        #expect(config?["tie_word_embeddings"] as? Bool == (family == "qwen2"))
        let (again, report) = try HuggingFaceModelDirectory(opening: out).loadLlama()
        #expect(report.isClean)
        let ids = try ReferenceOutputs(family).tensor("input_ids")
        #expect(again(ids) == model(ids))
    }

    /// Sharded at the fixture's size, the export splits where `save_pretrained` split.
    @Test(arguments: ["llama", "qwen2"])
    func shardedExportMatchesTheTransformersIndex(family: String) throws {
        let source = try HuggingFaceModelDirectory(opening: Fixtures.url("\(family)/sharded"))
        let (model, _) = try source.loadLlama()
        let temp = try TemporaryDirectory()
        let out = temp.file("export")
        try HuggingFaceModelDirectory.save(model, to: out, options: .init(maxShardSize: 40_000, baseConfig: source.config))
        #expect(try ShardIndex.weightMap(in: out) == ShardIndex.weightMap(in: Fixtures.url("\(family)/sharded")))
    }

    @Test func bf16ExportRoundTrips() throws {
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("llama/bf16")).loadLlama()
        let temp = try TemporaryDirectory()
        let out = temp.file("bf16")
        try HuggingFaceModelDirectory.save(model, to: out, options: .init(dtype: .bfloat16))
        let original = try SafeTensorsFile(contentsOf: Fixtures.url("llama/bf16/model.safetensors"))
        let exported = try SafeTensorsFile(contentsOf: out.appendingPathComponent("model.safetensors"))
        for name in original.names { #expect(try exported.tensor(named: name) == original.tensor(named: name), "\(name)") }
    }

    /// A strict load names every missing key; a tied model ignores a stored `lm_head.weight`.
    @Test func strictLoadReportsMissingKeys() throws {
        let directory = try HuggingFaceModelDirectory(opening: Fixtures.url("llama/single"))
        let tensors = try directory.tensors().filter { $0.name != "model.norm.weight" && $0.name != "lm_head.weight" }
        #expect(throws: HuggingFaceError.self) {
            try HuggingFaceModelDirectory.loadLlama(config: try directory.llamaConfig(), tensors: tensors, source: "x")
        }
        let (_, report) = try HuggingFaceModelDirectory.loadLlama(config: try directory.llamaConfig(), tensors: tensors,
                                                                  source: "x", strict: false)
        #expect(report.missing == ["lm_head.weight", "model.norm.weight"])
    }

    @Test func greedyRefusesBadPrompts() throws {
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("llama/single")).loadLlama()
        #expect(throws: GPT2GenerationError.emptyPrompt) { try model.greedy(prompt: [], maxNewTokens: 1) }
        #expect(throws: GPT2GenerationError.tokenOutOfRange(position: 1, token: 256, vocabularySize: 256)) {
            try model.greedy(prompt: [1, 256], maxNewTokens: 1)
        }
        #expect(throws: GPT2GenerationError.tooLong(promptTokens: 1, newTokens: 65, positions: 64)) {
            try model.greedy(prompt: [1], maxNewTokens: 65)
        }
    }
}
