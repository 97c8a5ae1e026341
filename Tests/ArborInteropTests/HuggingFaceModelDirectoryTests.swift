import Arbor
import ArborExamples
import ArborInterop
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// Hugging Face GPT-2 directories made by `transformers` (Tests/Fixtures/gpt2)
/// loaded into Arbor's `GPT2`, checked against transformers' own logits and
/// greedy tokens, and written back.
@Suite struct HuggingFaceModelDirectoryTests {
    static let reference: SafeTensorsFile = {
        // The fixture is committed; failing to read it is a broken checkout.
        (try? SafeTensorsFile(contentsOf: Fixtures.url("gpt2/reference.safetensors")))!
    }()

    static func reference(_ name: String) throws -> Tensor { try reference.tensor(named: name) }

    static func largestDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars(as: Float.self), b.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test(arguments: [("gpt2/single", "logits"), ("gpt2/sharded", "logits"), ("gpt2/bf16", "logits_bf16")])
    func logitsMatchTransformers(directory: String, logitsName: String) throws {
        let (model, report) = try HuggingFaceModelDirectory(opening: Fixtures.url(directory)).loadGPT2()
        #expect(report.isClean)
        #expect(model.config == .tiny)
        #expect(try Graph.state(model).leaves.allSatisfy { $0.value.dtype == .float32 })
        let logits = model(try Self.reference("input_ids"))
        let expected = try Self.reference(logitsName)
        #expect(logits.shape == expected.shape)
        #expect(Self.largestDifference(logits, expected) <= 1e-4)
    }

    @Test(arguments: [("gpt2/single", ""), ("gpt2/sharded", ""), ("gpt2/bf16", "_bf16")])
    func greedyTokensMatchTransformers(directory: String, suffix: String) throws {
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url(directory)).loadGPT2()
        let prompt = try Self.reference("prompt_ids").scalars(as: Int64.self).map(Int.init)
        let (tokens, last) = try model.greedy(prompt: prompt, maxNewTokens: 8)
        #expect(tokens == (try Self.reference("greedy_tokens" + suffix)).scalars(as: Int64.self).map(Int.init))
        #expect(tokens == [42, 202, 202, 202, 125, 125, 125, 125])
        let expectedLast = try Self.reference("prompt_last_logits" + suffix)
        #expect(Self.largestDifference(Tensor(last), expectedLast) <= 1e-4)
    }

    /// Exported f32 weights are the fixture's own bytes under the fixture's
    /// names: nothing renamed wrongly, nothing transposed the wrong way.
    @Test func exportReproducesTheTransformersFile() throws {
        let source = try HuggingFaceModelDirectory(opening: Fixtures.url("gpt2/single"))
        let (model, _) = try source.loadGPT2()
        let temp = try TemporaryDirectory()
        let out = temp.file("export")
        let result = try HuggingFaceModelDirectory.save(model, to: out,
                                                        options: .init(baseConfig: source.config))
        #expect(result.files.map(\.lastPathComponent) == ["model.safetensors"])
        #expect(result.indexURL == nil)
        let original = try SafeTensorsFile(contentsOf: Fixtures.url("gpt2/single/model.safetensors"))
        let exported = try SafeTensorsFile(contentsOf: out.appendingPathComponent("model.safetensors"))
        #expect(exported.metadata == ["format": "pt"])
        #expect(exported.names.sorted() == original.names.sorted())
        #expect(!exported.names.contains("lm_head.weight"))
        for name in original.names {
            #expect(try exported.tensor(named: name) == original.tensor(named: name), "\(name)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json")))
            as? [String: Any]
        #expect(config?["n_embd"] as? Int == 64 && config?["n_layer"] as? Int == 2 && config?["vocab_size"] as? Int == 256)
        #expect(config?["bos_token_id"] as? Int == 255)
        #expect(config?["architectures"] as? [String] == ["GPT2LMHeadModel"])
        // And the export loads back to the same logits.
        let (again, _) = try HuggingFaceModelDirectory(opening: out).loadGPT2()
        let ids = try Self.reference("input_ids")
        #expect(again(ids) == model(ids))
    }

    /// Sharded at the fixture's 150 KB, the export splits where
    /// `save_pretrained` split it: same files, same index.
    @Test func shardedExportMatchesTheTransformersIndex() throws {
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("gpt2/single")).loadGPT2()
        let temp = try TemporaryDirectory()
        let out = temp.file("sharded")
        let result = try HuggingFaceModelDirectory.save(model, to: out, options: .init(maxShardSize: 150_000))
        #expect(result.files.count == 4)
        let exported = try SafeTensorsCollection.open(out)
        let original = try SafeTensorsCollection.open(Fixtures.url("gpt2/sharded"))
        #expect(exported.names.sorted() == original.names.sorted())
        for name in original.names {
            #expect(exported.shardURL(for: name)?.lastPathComponent == original.shardURL(for: name)?.lastPathComponent, "\(name)")
            #expect(try exported.tensor(named: name) == original.tensor(named: name), "\(name)")
        }
    }

    /// Arbor's bf16 export equals torch's bf16 `save_pretrained` byte for byte.
    @Test func bf16ExportEqualsTorchBF16() throws {
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("gpt2/single")).loadGPT2()
        let temp = try TemporaryDirectory()
        let out = temp.file("bf16")
        try HuggingFaceModelDirectory.save(model, to: out, options: .init(dtype: .bfloat16))
        let exported = try SafeTensorsFile(contentsOf: out.appendingPathComponent("model.safetensors"))
        let torch = try SafeTensorsFile(contentsOf: Fixtures.url("gpt2/bf16/model.safetensors"))
        #expect(exported.names.sorted() == torch.names.sorted())
        for name in torch.names {
            let tensor = try exported.tensor(named: name)
            #expect(tensor.dtype == .bfloat16)
            #expect(tensor == (try torch.tensor(named: name)), "\(name)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json")))
            as? [String: Any]
        #expect(config?["dtype"] as? String == "bfloat16")
    }

    @Test func saveRefusesAnExistingDirectoryUnlessForced() throws {
        let model = GPT2(GPT2Config(vocabularySize: 16, positions: 8, width: 8, layers: 1, heads: 2), key: RandomKey(seed: 3))
        let temp = try TemporaryDirectory()
        let out = temp.file("model")
        try HuggingFaceModelDirectory.save(model, to: out)
        #expect(throws: HuggingFaceError.self) { try HuggingFaceModelDirectory.save(model, to: out) }
        try HuggingFaceModelDirectory.save(model, to: out, options: .init(force: true))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path) == ["model"])
        let (loaded, _) = try HuggingFaceModelDirectory(opening: out).loadGPT2()
        #expect(loaded.config == model.config)
    }

    /// A copy of the single fixture with `edit` applied to its tensors.
    static func editedCopy(_ temp: TemporaryDirectory, config: String? = nil,
                           _ edit: (inout StateDict) -> Void) throws -> URL {
        let directory = temp.file("edited")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = try HuggingFaceModelDirectory(opening: Fixtures.url("gpt2/single"))
        var tensors = try source.tensors()
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        try (config.map { Data($0.utf8) } ?? source.config).write(to: directory.appendingPathComponent("config.json"))
        return directory
    }

    @Test func strictLoadListsEveryProblemWithSuggestions() throws {
        let temp = try TemporaryDirectory()
        let directory = try Self.editedCopy(temp) { tensors in
            tensors["transformer.h.1.ln_2.bias"] = nil
            tensors["transformer.h.0.ln_1.wieght"] = tensors["transformer.h.0.ln_1.weight"]
            tensors["transformer.h.0.ln_1.weight"] = nil
            if tensors["transformer.wpe.weight"] != nil {
                tensors["transformer.wpe.weight"] = Tensor(zeros: [32, 64])
            }
        }
        do {
            _ = try HuggingFaceModelDirectory(opening: directory).loadGPT2()
            Issue.record("loading succeeded")
        } catch {
            guard case let .load(error) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(error.report.missing == ["h.0.ln_1.weight", "h.1.ln_2.bias"])
            #expect(error.report.unexpected == ["h.0.ln_1.wieght"])
            #expect(error.report.suggestions == ["h.0.ln_1.wieght": "h.0.ln_1.weight"])
            #expect(error.report.mismatched.map(\.name) == ["wpe.weight"])
            let text = error.description
            #expect(text.hasPrefix("state dict edited does not fit the model: 2 missing, 1 unexpected, 1 mismatched"))
            #expect(text.contains("h.0.ln_1.wieght | UNEXPECTED | did you mean h.0.ln_1.weight?"))
            #expect(text.contains("wpe.weight      | MISMATCH   | shape [64, 64] F32 in model, [32, 64] F32 in state dict"))
        }
        // Lenient: the missing and unexpected keys are reported, the shape error still throws.
        #expect(throws: HuggingFaceError.self) { _ = try HuggingFaceModelDirectory(opening: directory).loadGPT2(strict: false) }
    }

    @Test func lenientLoadReportsAndKeepsInitialValues() throws {
        let temp = try TemporaryDirectory()
        let directory = try Self.editedCopy(temp) { tensors in
            tensors["transformer.ln_f.bias"] = nil
            tensors["transformer.extra"] = Tensor(zeros: [2])
        }
        let (model, report) = try HuggingFaceModelDirectory(opening: directory).loadGPT2(strict: false)
        #expect(report.missing == ["ln_f.bias"])
        #expect(report.unexpected == ["extra"])
        #expect(model.ln_f.bias.value == Tensor(zeros: [64]))
    }

    @Test func configsArborCannotComputeAreRefusedByName() throws {
        let temp = try TemporaryDirectory()
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("gpt2/single/config.json"))) as? [String: Any] ?? [:]
        func text(_ change: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: base.merging(change) { $1 }), as: UTF8.self)
        }
        let cases: [([String: Any], String)] = [
            (["activation_function": "relu"], "\"activation_function\": relu is not supported by Arbor's GPT2 (supported: gelu_new, gelu_pytorch_tanh)"),
            (["tie_word_embeddings": false], "\"tie_word_embeddings\": false is not supported"),
            (["n_inner": 100], "\"n_inner\": 100 is not supported by Arbor's GPT2 (supported: null or 256)"),
            (["model_type": "llama"], "\"model_type\": llama is not supported"),
        ]
        for (change, message) in cases {
            let directory = try Self.editedCopy(temp, config: try text(change)) { _ in }
            do {
                _ = try HuggingFaceModelDirectory(opening: directory).loadGPT2()
                Issue.record("\(change) loaded")
            } catch {
                #expect(error.description.contains(message), "\(error)")
                #expect(error.description.hasPrefix(directory.appendingPathComponent("config.json").path))
            }
            try FileManager.default.removeItem(at: directory)
        }
        #expect(throws: HuggingFaceError.self) { _ = try HuggingFaceModelDirectory(opening: temp.url) }
    }

    @Test func greedyRefusesBadPrompts() throws {
        let model = GPT2(GPT2Config(vocabularySize: 16, positions: 8, width: 8, layers: 1, heads: 2), key: RandomKey(seed: 3))
        #expect(throws: GPT2GenerationError.emptyPrompt) { _ = try model.greedy(prompt: [], maxNewTokens: 1) }
        #expect(throws: GPT2GenerationError.tokenOutOfRange(position: 1, token: 16, vocabularySize: 16)) {
            _ = try model.greedy(prompt: [1, 16], maxNewTokens: 1)
        }
        #expect(throws: GPT2GenerationError.tooLong(promptTokens: 4, newTokens: 6, positions: 8)) {
            _ = try model.greedy(prompt: [1, 2, 3, 4], maxNewTokens: 6)
        }
        #expect(try model.greedy(prompt: [1, 2, 3, 4], maxNewTokens: 5).tokens.count == 5)
    }
}

/// f16 weights: an f16 export loads back to transformers' logits for the
/// same f16-rounded weights.
@Suite struct HuggingFaceFloat16Tests {
    @Test func f16ExportMatchesTransformersF16Logits() throws {
        let (model, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("gpt2/single")).loadGPT2()
        let temp = try TemporaryDirectory()
        let out = temp.file("f16")
        try HuggingFaceModelDirectory.save(model, to: out, options: .init(dtype: .float16))
        let (loaded, _) = try HuggingFaceModelDirectory(opening: out).loadGPT2()
        let logits = loaded(try HuggingFaceModelDirectoryTests.reference("input_ids"))
        let expected = try HuggingFaceModelDirectoryTests.reference("logits_f16")
        #expect(HuggingFaceModelDirectoryTests.largestDifference(logits, expected) <= 1e-4)
    }

    /// GPT-2 small's well-known 124,439,808 parameters; sizes that overflow are nil;
    /// the memory check names what the config needs and what the machine has.
    @Test func parameterCountAndMemoryCheck() throws {
        let small = GPT2Config(vocabularySize: 50257, positions: 1024, width: 768, layers: 12, heads: 12)
        #expect(small.parameterCount == 124_439_808)
        #expect(small.weightByteCount == 497_759_232)
        #expect(GPT2Config(vocabularySize: 1, positions: Int.max, width: 2, layers: 1, heads: 1).parameterCount == nil)
        let big = GPT2Config(vocabularySize: 50257, positions: 1024, width: 300_000, layers: 12, heads: 1)
        let error = #expect(throws: GPT2ConfigError.self) {
            try big.checkFitsInMemory(source: "config.json", physicalMemory: 16 << 30)
        }
        #expect(error?.description == "config.json: this config needs 47.2 TiB of weights "
            + "(check n_embd, n_layer, n_positions, vocab_size); this machine has 16.0 GiB of memory")
        try small.checkFitsInMemory(source: "config.json", physicalMemory: 16 << 30)
    }
}

