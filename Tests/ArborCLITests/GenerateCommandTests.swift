import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// `arbor generate` on the transformers GPT-2 fixtures: the greedy tokens and
/// last-position logits transformers computed for the same prompt.
@Suite struct GenerateCommandTests {
    struct Output: Decodable {
        var tokens: [Int]
        var last_logits: [Float]
    }

    static func generate(_ directory: URL, _ extra: [String] = []) throws -> Output {
        let run = try ArborExecutable.run(["generate", directory.path, "--tokens", "5,17,42", "--json"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return try JSONDecoder().decode(Output.self, from: Data(run.stdout.utf8))
    }

    static func reference(_ name: String) throws -> [Float] {
        try SafeTensorsFile(contentsOf: Fixtures.url("gpt2/reference.safetensors")).tensor(named: name).scalars(as: Float.self)
    }

    @Test(arguments: [("gpt2/single", "prompt_last_logits"), ("gpt2/sharded", "prompt_last_logits"),
                      ("gpt2/bf16", "prompt_last_logits_bf16")])
    func matchesTransformersGreedy(directory: String, logits: String) throws {
        let output = try Self.generate(Fixtures.url(directory))
        #expect(output.tokens == [42, 202, 202, 202, 125, 125, 125, 125])
        let expected = try Self.reference(logits)
        #expect(output.last_logits.count == 256)
        #expect(zip(output.last_logits, expected).allSatisfy { abs($0 - $1) <= 1e-4 })
    }

    /// A model converted to f16 by `arbor convert` still continues the prompt as transformers does.
    @Test func f16ConversionGeneratesTheSameTokens() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("f16")
        #expect(try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, out.path, "--dtype", "f16"]).status == 0)
        let output = try Self.generate(out, ["--max-new-tokens", "4"])
        #expect(output.tokens == [42, 202, 202, 202])
        let expected = try Self.reference("prompt_last_logits")
        #expect(zip(output.last_logits, expected).allSatisfy { abs($0 - $1) <= 2e-2 })
    }

    @Test func textOutputAndErrors() throws {
        let text = try ArborExecutable.run(["generate", Fixtures.url("gpt2/sharded").path, "--tokens", "5, 17, 42",
                                            "--max-new-tokens", "3"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("generated: 42 202 202"))
        #expect(text.stdout.contains("F32 weights in 4 files"))

        let badToken = try ArborExecutable.run(["generate", Fixtures.url("gpt2/single").path, "--tokens", "5,x"])
        #expect(badToken.status == 1)
        #expect(badToken.stderr == "arbor: --tokens 5,x: \"x\" is not a token id (use e.g. 5,17,42)\n")
        let outOfRange = try ArborExecutable.run(["generate", Fixtures.url("gpt2/single").path, "--tokens", "5,256"])
        #expect(outOfRange.status == 1)
        #expect(outOfRange.stderr.contains("token 256 at position 1 is outside the vocabulary (0..<256)"))
        let tooLong = try ArborExecutable.run(["generate", Fixtures.url("gpt2/single").path, "--tokens", "5",
                                               "--max-new-tokens", "65"])
        #expect(tooLong.stderr.contains("the model has 64"))
        let temp = try TemporaryDirectory()
        let noConfig = try ArborExecutable.run(["generate", temp.url.path, "--tokens", "5"])
        #expect(noConfig.status == 1)
        #expect(noConfig.stderr.contains("no config.json"))
    }

    /// `--max-new-tokens Int.max` overflowed counting positions (SIGILL); now a
    /// one-line error naming the model's context length.
    @Test func hugeTokenCountIsRefusedAgainstTheContextLength() throws {
        let run = try ArborExecutable.run(["generate", Fixtures.url("gpt2/single").path, "--tokens", "5,17",
                                           "--max-new-tokens", "9223372036854775807"])
        #expect(!run.signaled)
        #expect(run.status == 1)
        #expect(run.stderr.contains("the model has 64 (context length), so at most 63 new tokens"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    /// A model directory whose config.json has `changes` applied, with the weights of `fixture`.
    static func absurdModel(_ temp: TemporaryDirectory, _ changes: [String: Any],
                            fixture: String = "gpt2/single") throws -> URL {
        let directory = temp.file("model-\(changes.keys.sorted().joined())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: Fixtures.url("\(fixture)/config.json"))) as? [String: Any])
        config.merge(changes) { _, new in new }
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: Fixtures.url("\(fixture)/model.safetensors"),
                                         to: directory.appendingPathComponent("model.safetensors"))
        return directory
    }

    /// Absurd sizes in config.json died with SIGILL (overflow in Tensor.abstract)
    /// or grew until killed; now refused before allocating, with the memory needed.
    @Test(arguments: [#"{"n_embd": 1000000000, "n_head": 1}"#, #"{"n_positions": 9223372036854775807}"#,
                      #"{"n_layer": 1000000}"#, #"{"vocab_size": 1e30}"#, #"{"n_embd": 4000000, "n_head": 1}"#])
    func absurdConfigSizesAreRefusedBeforeAllocating(json: String) throws {
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let temp = try TemporaryDirectory()
        let model = try Self.absurdModel(temp, changes)
        for arguments in [["generate", model.path, "--tokens", "5"],
                          ["convert", model.path, temp.file("out").path, "--model", "gpt2"]] {
            let run = try ArborExecutable.run(arguments, timeout: 120)
            #expect(!run.signaled, "\(arguments[0]) \(changes): \(run.stderr)")
            #expect(run.status == 1)
            #expect(run.stderr.contains("config.json"), "\(run.stderr)")
            #expect(run.stderr.contains("this config needs") || run.stderr.contains("more parameters than can be counted")
                    || run.stderr.contains("needs the number"), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1)
        }
    }
}

