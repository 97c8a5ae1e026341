import Arbor
import ArborCheckpoint
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// `arbor convert --model gpt2`: weights routed through Arbor's `GPT2` come out
/// as the files transformers wrote (the Python check in
/// Tests/Fixtures/gpt2/check_export.py loads them in transformers).
@Suite struct ConvertModelTests {
    static func convert(_ arguments: [String]) throws -> ArborExecutable.Outcome {
        try ArborExecutable.run(["convert"] + arguments)
    }

    @Test(arguments: ["single", "sharded", "bf16"])
    func exportEqualsTheTransformersDirectory(layout: String) throws {
        let temp = try TemporaryDirectory()
        let out = temp.file(layout)
        let run = try Self.convert([Fixtures.url("gpt2/\(layout)").path, out.path, "--model", "gpt2"])
        #expect(run.status == 0, "\(run.stderr)")
        let diff = try ArborExecutable.run(["diff", out.path, Fixtures.url("gpt2/\(layout)").path])
        #expect(diff.status == 0, "\(diff.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        let original = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("gpt2/\(layout)").path).sorted()
        #expect(files == original)
        if layout == "sharded" {
            let index = { (url: URL) throws -> [String: String] in
                let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("model.safetensors.index.json")))
                return ((object as? [String: Any])?["weight_map"] as? [String: String]) ?? [:]
            }
            #expect(try index(out) == index(Fixtures.url("gpt2/sharded")))
        }
    }

    /// HF → checkpoint of Arbor's GPT2 → HF again, byte for byte; without the
    /// reverse rules the load names the transposed weights.
    @Test func throughACheckpointAndBack() throws {
        let temp = try TemporaryDirectory()
        let checkpoint = temp.file("ckpt")
        var run = try Self.convert([Fixtures.url("gpt2/bf16").path, checkpoint.path, "--model", "gpt2", "--to", "arbor"])
        #expect(run.status == 0, "\(run.stderr)")
        let opened = try Checkpointer().open(checkpoint, verify: true)
        let state = try opened.state("model")
        #expect(state.count == 28)
        #expect(state[Path(["h", 0, "attn", "c_attn", "weight"])]?.shape == [192, 64])
        #expect(state[Path(["h", 0, "attn", "c_attn", "weight"])]?.dtype == .bfloat16)

        let back = temp.file("back")
        run = try Self.convert([checkpoint.path, back.path, "--rules", "gpt2", "--reverse", "--model", "gpt2", "--to", "hf"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ArborExecutable.run(["diff", back.path, Fixtures.url("gpt2/bf16").path]).status == 0)

        run = try Self.convert([checkpoint.path, temp.file("wrong").path, "--model", "gpt2", "--to", "hf"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("6 mismatched"))
        #expect(run.stderr.contains("h.0.attn.c_attn.weight | MISMATCH | shape [192, 64] F32 in model, [64, 192] BF16 in state dict (the transpose"))
        #expect(!FileManager.default.fileExists(atPath: temp.file("wrong").path))
    }

    @Test func refusals() throws {
        let temp = try TemporaryDirectory()
        // The parser lists the models and refuses others before anything runs.
        var run = try Self.convert([Fixtures.url("gpt2/single").path, temp.file("a").path, "--model", "t5"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("The value 't5' is invalid for '--model <model>'. Please provide one of 'gpt2', 'llama', 'qwen2' or 'bert'."),
                "\(run.stderr)")
        // Another architecture's config is refused by name.
        run = try Self.convert([Fixtures.url("gpt2/single").path, temp.file("a").path, "--model", "llama"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\"model_type\": \"gpt2\" is not supported by Arbor's Llama (supported: llama, qwen2, mistral)"))
        run = try Self.convert([Fixtures.url("gpt2/single/model.safetensors").path, temp.file("b").path, "--model", "gpt2"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("--model needs the model's config.json"))
        run = try Self.convert([Fixtures.url("gpt2/single").path, temp.file("c").path, "--model", "gpt2", "--rules", "gpt2"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("MISMATCH"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path).isEmpty)
    }
}
