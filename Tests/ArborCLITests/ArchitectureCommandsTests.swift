import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// `arbor generate` on the Llama and Qwen2 fixtures, `arbor embed` on BERT,
/// and `arbor convert --model llama|qwen2|bert`, against transformers' outputs.
@Suite struct ArchitectureCommandsTests {
    static func reference(_ family: String, _ name: String) throws -> Tensor {
        try SafeTensorsFile(contentsOf: Fixtures.url("\(family)/reference.safetensors")).tensor(named: name)
    }

    struct Generated: Decodable {
        var tokens: [Int]
        var last_logits: [Float]
    }

    @Test(arguments: ["llama/single", "llama/sharded", "llama/bf16", "llama/bin", "qwen2/single", "qwen2/bf16", "qwen2/bin"])
    func generateMatchesTransformers(directory: String) throws {
        let family = String(directory.prefix { $0 != "/" })
        let suffix = directory.hasSuffix("bf16") ? "_bf16" : ""
        let run = try ArborExecutable.run(["generate", Fixtures.url(directory).path, "--tokens", "5,17,42", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let output = try JSONDecoder().decode(Generated.self, from: Data(run.stdout.utf8))
        #expect(output.tokens == (try Self.reference(family, "greedy_tokens" + suffix)).scalars(as: Int64.self).map(Int.init))
        let expected = try Self.reference(family, "prompt_last_logits" + suffix)
        #expect(TensorComparison.largestDifference(Tensor(output.last_logits), expected) <= 1e-4)
    }

    @Test func generateTextNamesTheArchitecture() throws {
        let run = try ArborExecutable.run(["generate", Fixtures.url("llama/single").path, "--tokens", "5,17,42",
                                           "--max-new-tokens", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Llama, 2 layers, width 32, 4/2 heads, vocab 256"))
        let bin = try ArborExecutable.run(["generate", Fixtures.url("llama/bin").path, "--tokens", "5", "--max-new-tokens", "1"])
        #expect(bin.status == 0, "\(bin.stderr)")
        #expect(bin.stdout.contains("F32 weights in 1 file"))
        let bert = try ArborExecutable.run(["generate", Fixtures.url("bert/single").path, "--tokens", "5"])
        #expect(bert.status == 1)
        #expect(bert.stderr.contains("model_type \"bert\" is not a decoder Arbor runs"))
    }

    struct Embedded: Decodable {
        var last_hidden_state: [[Float]]
        var pooler_output: [Float]
    }

    /// The first row of the fixture batch (no padding), with its token types.
    @Test(arguments: ["bert/single", "bert/task"])
    func embedMatchesTransformers(directory: String) throws {
        let run = try ArborExecutable.run(["embed", Fixtures.url(directory).path, "--tokens", "2,17,42,99,3,250,128,3",
                                           "--token-types", "0,0,0,0,0,1,1,1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("classifier.weight") == directory.hasSuffix("task"))
        let output = try JSONDecoder().decode(Embedded.self, from: Data(run.stdout.utf8))
        let hidden = try Self.reference("bert", "last_hidden_state").sliced(alongAxis: 0, 0..<1)
        #expect(output.last_hidden_state.count == 8 && output.last_hidden_state.allSatisfy { $0.count == 32 })
        #expect(TensorComparison.largestDifference(Tensor(output.last_hidden_state.flatMap { $0 }, shape: [1, 8, 32]),
                                                   hidden) <= 1e-4)
        let pooled = try Self.reference("bert", "pooler_output").sliced(alongAxis: 0, 0..<1)
        #expect(TensorComparison.largestDifference(Tensor(output.pooler_output, shape: [1, 32]), pooled) <= 1e-4)
    }

    @Test func embedRefusesBadOptions() throws {
        let dir = Fixtures.url("bert/single").path
        let types = try ArborExecutable.run(["embed", dir, "--tokens", "1,2", "--token-types", "0"])
        #expect(types.status == 1 && types.stderr.contains("--token-types has 1 ids for 2 tokens"))
        let range = try ArborExecutable.run(["embed", dir, "--tokens", "1,256"])
        #expect(range.status == 1 && range.stderr.contains("--tokens: 256 is outside 0..<256"))
        let text = try ArborExecutable.run(["embed", dir, "--tokens", "2,17,3"])
        #expect(text.status == 0 && text.stdout.contains("last_hidden_state: [3, 32]"))
    }

    /// Routed through Arbor's model, each fixture comes out with the fixture's
    /// tensors (`arbor diff` finds none different) and files.
    @Test(arguments: [("llama", "llama/sharded"), ("qwen2", "qwen2/single"), ("qwen2", "qwen2/bf16"), ("bert", "bert/single")])
    func convertThroughTheModel(model: String, directory: String) throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("out")
        let run = try ArborExecutable.run(["convert", Fixtures.url(directory).path, out.path, "--model", model])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("wrote Arbor's \(model == "bert" ? "BERT" : "Llama") (2 layers, width 32)"))
        let diff = try ArborExecutable.run(["diff", out.path, Fixtures.url(directory).path])
        #expect(diff.status == 0, "\(diff.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == (try FileManager.default.contentsOfDirectory(atPath: Fixtures.url(directory).path).sorted()))
    }

    @Test func convertRefusesTheWrongFamilyAndTaskHeadsAreNoted() throws {
        let temp = try TemporaryDirectory()
        let wrong = try ArborExecutable.run(["convert", Fixtures.url("llama/single").path, temp.file("a").path, "--model", "qwen2"])
        #expect(wrong.status == 1 && wrong.stderr.contains("use --model llama"))
        let task = try ArborExecutable.run(["convert", Fixtures.url("bert/task").path, temp.file("b").path, "--model", "bert",
                                            "--to", "arbor"])
        #expect(task.status == 0, "\(task.stderr)")
        #expect(task.stderr.contains("note: not converting classifier.bias, classifier.weight"))
        #expect(task.stderr.contains("wrote Arbor's BERT as a checkpoint"))
    }
}
