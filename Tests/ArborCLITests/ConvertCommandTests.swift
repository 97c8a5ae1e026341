import Arbor
import ArborExamples
import ArborInterop
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// `arbor convert` on the Hugging Face GPT-2 and Flax fixtures.
@Suite struct ConvertCommandTests {
    @Test func bf16ConversionMatchesTorchCast() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("gpt2-bf16")
        let run = try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, out.path, "--dtype", "bf16"])
        #expect(run.status == 0, "\(run.stderr)")
        // Byte-identical to the model torch cast to bfloat16.
        let diff = try ArborExecutable.run(["diff", out.path, Fixtures.url("gpt2/bf16").path])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(config?["dtype"] as? String == "bfloat16")
        #expect(config?["n_embd"] as? Int == 64)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("generation_config.json").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors.index.json").path))
        let file = try SafeTensorsFile(contentsOf: out.appendingPathComponent("model.safetensors"))
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.allSatisfy { $0.dtype == .bfloat16 })
        // Values equal Arbor's own f32 -> bf16 conversion of the source.
        let source = try SafeTensorsCollection.open(Fixtures.url("gpt2/single"))
        let name = "transformer.h.0.attn.c_attn.weight"
        #expect(try file.tensor(named: name) == (try source.tensor(named: name).converted(to: .bfloat16)))
        // Different from the f32 source, by less than bf16 rounding.
        let back = try ArborExecutable.run(["diff", out.path, Fixtures.url("gpt2/single").path, "--json"])
        #expect(back.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(back.stdout.utf8)) as? [String: Any]
        let tensors = json?["tensors"] as? [[String: Any]] ?? []
        #expect(tensors.count == 28)
        #expect(tensors.allSatisfy { $0["status"] as? String == "dtype" && ($0["max_rel"] as? Double ?? 1) <= 1.0 / 256 })
    }

    @Test func reshardsIntoThreeOrMoreShards() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("gpt2-sharded")
        let run = try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, out.path, "--max-shard-size", "150KB"])
        #expect(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        let shards = names.filter { $0.hasSuffix(".safetensors") }
        #expect(shards.count >= 3)
        #expect(names.contains("model.safetensors.index.json"))
        #expect(names.contains("config.json"))
        let collection = try SafeTensorsCollection.open(out)
        #expect(collection.names.count == 28)
        #expect(try ArborExecutable.run(["diff", out.path, Fixtures.url("gpt2/single").path]).status == 0)
        #expect(try ArborExecutable.run(["diff", out.path, Fixtures.url("gpt2/sharded").path]).status == 0)
        // A sharded source stays sharded by default.
        let again = temp.file("again")
        #expect(try ArborExecutable.run(["convert", out.path, again.path, "--dtype", "f16"]).status == 0)
        #expect(try SafeTensorsCollection.open(again).shardURLs.count >= 2)
        // An index JSON as SRC means its model directory.
        let fromIndex = temp.file("from-index")
        let index = out.appendingPathComponent("model.safetensors.index.json")
        #expect(try ArborExecutable.run(["convert", index.path, fromIndex.path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: fromIndex.appendingPathComponent("config.json").path))
    }

    @Test func gpt2RulesRoundTrip() throws {
        let temp = try TemporaryDirectory()
        let arbor = temp.file("arbor.safetensors")
        let source = Fixtures.url("gpt2/single/model.safetensors")
        #expect(try ArborExecutable.run(["convert", source.path, arbor.path, "--rules", "gpt2"]).status == 0)
        let mapped = try SafeTensorsFile(contentsOf: arbor)
        #expect(mapped.info(named: "h.1.attn.c_attn.weight")?.shape == [192, 64])
        #expect(mapped.info(named: "ln_f.bias")?.shape == [64])
        #expect(mapped.info(named: "lm_head.weight") == nil)
        let back = temp.file("back.safetensors")
        #expect(try ArborExecutable.run(["convert", arbor.path, back.path, "--rules", "gpt2", "--reverse"]).status == 0)
        #expect(try ArborExecutable.run(["diff", back.path, source.path]).status == 0)
    }

    @Test func flaxRulesOnFixture() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("flax.safetensors")
        let source = Fixtures.url("flax/pure_dict.safetensors")
        #expect(try ArborExecutable.run(["convert", source.path, out.path, "--rules", "flax"]).status == 0)
        let file = try SafeTensorsFile(contentsOf: out)
        #expect(file.names.sorted() == ["bn.bias", "bn.weight", "layers.0.bias", "layers.0.weight", "layers.1.bias",
                                        "layers.1.weight", "layers.2.bias", "layers.2.weight"])
        let original = try SafeTensorsFile(contentsOf: source)
        #expect(try file.tensor(named: "layers.0.weight") == (try original.tensor(named: "layers.0.kernel").transposed()))
        #expect(try file.tensor(named: "layers.2.weight").shape == [3, 16])
        #expect(try file.tensor(named: "bn.weight") == (try original.tensor(named: "bn.scale")))
        let back = temp.file("back.safetensors")
        #expect(try ArborExecutable.run(["convert", out.path, back.path, "--rules", "flax", "--reverse"]).status == 0)
        #expect(try ArborExecutable.run(["diff", back.path, source.path]).status == 0)
    }

    @Test func forceReplacesAnExistingDirectory() throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("out")
        #expect(try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, out.path, "--dtype", "bf16"]).status == 0)
        let run = try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, out.path, "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ArborExecutable.run(["diff", out.path, Fixtures.url("gpt2/single").path]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path) == ["out"])
    }

    /// The gpt2 rules map the fixture onto exactly the parameters of Arbor's
    /// own `GPT2` layer (shape-only, via `evalShape`), with a clean strict load.
    @Test func gpt2RulesFitTheArborGPT2Layer() throws {
        let source = try SafeTensorsCollection.open(Fixtures.url("gpt2/sharded"))
        let tensors = try source.tensors()
        let mapped = try StateDictRules.gpt2.apply(tensors)
        let target = try Graph.state(Graph.evalShape { GPT2(.tiny, key: RandomKey(seed: 0)) })
        let (state, report) = try StateDictLoader(strict: true).load(mapped, into: target, source: "gpt2/sharded")
        #expect(report.isClean)
        #expect(state.count == 28)
        #expect(state[Path(["h", 1, "mlp", "c_proj", "weight"])]?.shape == [64, 256])
    }

    @Test func refusesBadInput() throws {
        let temp = try TemporaryDirectory()
        let missing = try ArborExecutable.run(["convert", temp.file("nope").path, temp.file("out").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope: no such file or directory"))
        let rules = try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, temp.file("o").path, "--rules", "llama"])
        #expect(rules.status == 1)
        #expect(rules.stderr.contains("--rules llama: not a built-in rule set"))
        let bad = temp.file("bad.json")
        try Data(#"{"rules":[{"op":"transpose"}]}"#.utf8).write(to: bad)
        let badRules = try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, temp.file("o").path, "--rules", bad.path])
        #expect(badRules.stderr.contains("rules bad.json, rule 0 (transpose): needs the field \"match\""), "\(badRules.stderr)")
        let existing = try ArborExecutable.run(["convert", Fixtures.url("gpt2/single").path, temp.url.path])
        #expect(existing.status == 1)
        #expect(existing.stderr.contains("already exists; pass --force"))
        #expect(!FileManager.default.fileExists(atPath: temp.file("o").path))
    }

    /// Rules that renamed two tensors to one name and fused it kept one of
    /// them (or failed without naming both); a pattern like `(a?){30}a{30}`
    /// took ~20 s per name. Both are now one-line errors naming the rule.
    @Test func rulesThatMergeTensorsOrBacktrackAreRefused() throws {
        let temp = try TemporaryDirectory()
        let source = temp.file("parts.safetensors")
        try SafeTensorsWriter.write(["a.q": Tensor([Float(1)], shape: [1]), "a.k": Tensor([Float(2)], shape: [1]),
                                     "b.q": Tensor([Float(3)], shape: [1]), "b.k": Tensor([Float(4)], shape: [1])], to: source)
        let merge = temp.file("merge.json")
        try Data((#"{"name": "merge.json", "rules": [{"op": "rename", "match": "^(a|b)\\.", "to": "x."}, "#
            + #"{"op": "fuse", "parts": [".q", ".k"], "to": ".qk", "axis": 0}]}"#).utf8).write(to: merge)
        let merged = try ArborExecutable.run(["convert", source.path, temp.file("o1.safetensors").path, "--rules", merge.path])
        #expect(merged.status == 1)
        #expect(merged.stderr == "arbor: rules merge.json, rule 0: a.k and b.k would both be named x.k; "
            + "a rule may not merge two tensors into one name\n", "\(merged.stderr)")
        #expect(!FileManager.default.fileExists(atPath: temp.file("o1.safetensors").path))

        let slow = temp.file("slow.json")
        try Data(#"{"name": "slow.json", "rules": [{"op": "drop", "match": "(a?){30}a{30}"}]}"#.utf8).write(to: slow)
        let refused = try ArborExecutable.run(["convert", source.path, temp.file("o2.safetensors").path, "--rules", slow.path],
                                              timeout: 60)
        #expect(!refused.signaled)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("arbor: rules slow.json, rule 0: \"(a?){30}a{30}\" is refused: "), "\(refused.stderr)")
    }
}

