import Arbor
import ArborInterop
import ArborCheckpoint
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// `arbor convert` into and out of Arbor checkpoints: Hugging Face directory →
/// checkpoint → Hugging Face directory loses nothing, with rules and casts.
@Suite struct ConvertArborTests {
    private let single = Fixtures.url("gpt2/single")

    /// The JSON item `model_files` as docs/checkpoint-format.md describes it.
    private struct StoredFiles: Decodable {
        var files: [String: String]
        var binaryFiles: [String: String]?
        enum CodingKeys: String, CodingKey {
            case files
            case binaryFiles = "binary_files"
        }
    }

    /// Runs `arbor convert` with `arguments` and expects success.
    private func convert(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try ArborExecutable.run(["convert"] + arguments)
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
    }

    /// Runs `arbor convert` with `arguments`, expects exit 1 and returns standard error.
    private func refused(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let run = try ArborExecutable.run(["convert"] + arguments)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)", sourceLocation: sourceLocation)
        #expect(!run.signaled, sourceLocation: sourceLocation)
        return run.stderr
    }

    /// Every tensor of a safetensors file or model directory by name.
    private func tensors(at url: URL) throws -> [String: Tensor] {
        let collection = try SafeTensorsCollection.open(url)
        return try Dictionary(uniqueKeysWithValues: collection.names.map { ($0, try collection.tensor(named: $0)) })
    }

    /// Same names, and for each the same dtype, shape and bytes.
    private func expectIdentical(_ url: URL, _ original: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = try tensors(at: url), expected = try tensors(at: original)
        #expect(written.keys.sorted() == expected.keys.sorted(), sourceLocation: sourceLocation)
        for (name, tensor) in expected {
            let other = try #require(written[name], sourceLocation: sourceLocation)
            #expect(other.dtype == tensor.dtype && other.shape == tensor.shape, "\(name)", sourceLocation: sourceLocation)
            #expect(other == tensor, "\(name): bytes differ", sourceLocation: sourceLocation)
        }
    }

    /// A file's bytes.
    private func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    @Test func huggingFaceDirectoryToCheckpointAndBack() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        try convert([single.path, checkpointURL.path, "--to", "arbor"])

        let checkpoint = try Checkpointer().open(checkpointURL, verify: true)
        #expect(checkpoint.itemNames == ["model", "model_files"])
        #expect(try ArborExecutable.run(["verify", checkpointURL.path]).status == 0)
        let state = try checkpoint.state("model")
        let source = try tensors(at: single)
        #expect(state.count == source.count)
        #expect(state.byteCount == source.values.reduce(0) { $0 + $1.byteCount })
        for (name, tensor) in source {
            let leaf = try #require(state[try Path(parsing: name, separator: ".")], "\(name) is not in the checkpoint")
            #expect(leaf.kind == .param)
            #expect(leaf.value == tensor, "\(name)")
        }
        // Layer numbers are typed index keys, as a model's list of blocks has them.
        #expect(state[Path(["transformer", "h", 0, "ln_1", "weight"])] != nil)

        // The non-weight files travel inside the checkpoint, verbatim.
        let stored = try checkpoint.json("model_files", as: StoredFiles.self)
        #expect(stored.files["config.json"].map { Data($0.utf8) } == (try bytes(single.appendingPathComponent("config.json"))))
        #expect(stored.files.keys.sorted() == ["config.json", "generation_config.json"])
        #expect(stored.binaryFiles == nil)

        let back = temp.file("hf")
        try convert([checkpointURL.path, back.path, "--to", "hf"])
        try expectIdentical(back.appendingPathComponent("model.safetensors"), single.appendingPathComponent("model.safetensors"))
        #expect(try SafeTensorsFile(contentsOf: back.appendingPathComponent("model.safetensors")).metadata == ["format": "pt"])
        for name in ["config.json", "generation_config.json"] {
            #expect(try bytes(back.appendingPathComponent(name)) == (try bytes(single.appendingPathComponent(name))), "\(name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: back.path).sorted()
            == ["config.json", "generation_config.json", "model.safetensors"])

        // A DST ending in .safetensors is one file.
        let file = temp.file("model.safetensors")
        try convert([checkpointURL.path, file.path, "--to", "hf"])
        try expectIdentical(file, single.appendingPathComponent("model.safetensors"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path).sorted() == ["ckpt", "hf", "model.safetensors"])
    }

    /// A file that is not UTF-8 (a SentencePiece model, say) is kept as base64
    /// and comes back byte for byte.
    @Test func binaryModelFilesRoundTrip() throws {
        let temp = try TemporaryDirectory()
        let model = temp.file("model")
        try FileManager.default.copyItem(at: single, to: model)
        let binary = Data([0x00, 0xFF, 0xFE, 0x80, 0x0A, 0xC3])
        try binary.write(to: model.appendingPathComponent("tokenizer.model"))
        try convert([model.path, temp.file("ckpt").path, "--to", "arbor"])
        let stored = try Checkpointer().open(temp.file("ckpt")).json("model_files", as: StoredFiles.self)
        #expect(stored.binaryFiles == ["tokenizer.model": binary.base64EncodedString()])
        #expect(stored.files["tokenizer.model"] == nil)
        try convert([temp.file("ckpt").path, temp.file("back").path, "--to", "hf"])
        #expect(try bytes(temp.file("back").appendingPathComponent("tokenizer.model")) == binary)
        try expectIdentical(temp.file("back"), single)
    }

    @Test func gpt2RulesRoundTripThroughCheckpoint() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        try convert([single.path, checkpointURL.path, "--rules", "gpt2", "--to", "arbor"])
        let state = try Checkpointer().open(checkpointURL, verify: true).state("model")
        #expect(state.count == 28)
        #expect(state.paths.contains { path in path.keys.contains { $0.index != nil } })

        let back = temp.file("hf")
        try convert([checkpointURL.path, back.path, "--rules", "gpt2", "--reverse", "--to", "hf"])
        try expectIdentical(back, single)
        #expect(try bytes(back.appendingPathComponent("config.json")) == (try bytes(single.appendingPathComponent("config.json"))))
    }

    /// With the gpt2 rules the checkpoint is Arbor's `GPT2` state: a strict
    /// restore into the layer built from the stored config.json succeeds.
    @Test func gpt2CheckpointRestoresIntoTheLayer() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        try convert([single.path, checkpointURL.path, "--rules", "gpt2", "--to", "arbor"])
        let checkpoint = try Checkpointer().open(checkpointURL, verify: true)
        let stored = try checkpoint.json("model_files", as: StoredFiles.self)
        let config = try GPT2Config(huggingFaceConfig: Data(try #require(stored.files["config.json"]).utf8))
        let model = GPT2(config, key: RandomKey(seed: 1))
        try checkpoint.restore("model", into: model, options: RestoreOptions(filter: .kind(Param.self)))
        let source = try tensors(at: single)
        let restored = try Graph.state(model)
        #expect(restored.filter(.kind(Param.self)).count == source.count)
        let wpe = try #require(source["transformer.wpe.weight"])
        #expect(restored.leaves.contains { $0.value == wpe })
    }

    @Test func bf16CastIntoCheckpoint() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        try convert([single.path, checkpointURL.path, "--dtype", "bf16", "--to", "arbor"])
        let checkpoint = try Checkpointer().open(checkpointURL, verify: true)
        let state = try checkpoint.state("model")
        let source = try tensors(at: single)
        #expect(state.count == source.count)
        for (name, tensor) in source {
            let leaf = try #require(state[try Path(parsing: name, separator: ".")])
            #expect(leaf.dtype == .bfloat16)
            #expect(leaf.value == (try tensor.converted(to: .bfloat16)), "\(name)")
        }
        // The stored config says bfloat16, so converting back needs no --dtype.
        let stored = try checkpoint.json("model_files", as: StoredFiles.self)
        let config = try JSONSerialization.jsonObject(with: Data(try #require(stored.files["config.json"]).utf8)) as? [String: Any]
        #expect(config?["dtype"] as? String == "bfloat16")
        let back = temp.file("hf")
        try convert([checkpointURL.path, back.path, "--to", "hf"])
        #expect(try ArborExecutable.run(["diff", back.path, Fixtures.url("gpt2/bf16").path]).status == 0)
        let written = try JSONSerialization.jsonObject(with: bytes(back.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(written?["dtype"] as? String == "bfloat16")
    }

    @Test func shardedSourceAndDataFileSize() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        try convert([Fixtures.url("gpt2/sharded").path, checkpointURL.path, "--to", "arbor", "--max-shard-size", "150KB"])
        let checkpoint = try Checkpointer().open(checkpointURL, verify: true)
        let dataFiles = checkpoint.metadata.items["model"]?.files.filter { $0.hasSuffix(".safetensors") } ?? []
        #expect(dataFiles.count >= 3)
        let back = temp.file("hf")
        try convert([checkpointURL.path, back.path, "--to", "hf", "--max-shard-size", "150KB"])
        #expect(FileManager.default.fileExists(atPath: back.appendingPathComponent("model.safetensors.index.json").path))
        try expectIdentical(back, single)
    }

    /// A checkpoint written by the library: typed keys (including a string key
    /// "0"), kinds and metadata survive a checkpoint → checkpoint conversion; RNG
    /// state and other items are left out; step and metrics are kept.
    @Test func checkpointSourceDefaultsToCheckpoint() throws {
        let temp = try TemporaryDirectory()
        let sourceURL = temp.file("source")
        let metadata = VariableMetadata(sharding: ShardingSpec(["data", nil]))
        let model = try State(flat: [
            (Path(["layers", 0, "weight"]), VariableState(kind: .param, value: Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]), metadata: metadata)),
            (Path(["layers", 1, "bias"]), VariableState(kind: .param, value: Tensor([5, 6] as [Float]))),
            (Path(["bn", "mean"]), VariableState(kind: .batchStat, value: Tensor([0.5, 0.25] as [Float]))),
            (Path(["heads", .name("0"), "scale"]), VariableState(kind: .param, value: Tensor([7] as [Float]))),
            (Path(["rng", "key"]), VariableState(kind: .rngState, value: Tensor([9, 9] as [Float]))),
        ])
        let optimizer = try State(flat: [(Path(["mu"]), VariableState(kind: .param, value: Tensor([0] as [Float])))])
        try Checkpointer().save(["model": .state(model), "opt_state": .state(optimizer)], to: sourceURL, step: 42,
                                metrics: ["loss": 0.5])

        let out = temp.file("out")
        let run = try ArborExecutable.run(["convert", sourceURL.path, out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("opt_state"))
        let converted = try Checkpointer().open(out, verify: true)
        #expect(converted.itemNames == ["model"])
        #expect(converted.step == 42)
        #expect(converted.metadata.metrics == ["loss": 0.5])
        let state = try converted.state("model")
        #expect(state == model.filter(.not(.kind(RngState.self))))
        #expect(state[Path(["heads", .name("0"), "scale"])] != nil)
        #expect(state[Path(["layers", 0, "weight"])]?.metadata == metadata)

        // To Hugging Face: dotted names, buffers included, RNG state left out.
        let hf = temp.file("hf")
        try convert([sourceURL.path, hf.path, "--to", "hf"])
        #expect(try tensors(at: hf).keys.sorted() == ["bn.mean", "heads.0.scale", "layers.0.weight", "layers.1.bias"])
    }

    @Test func choosesTheStateItem() throws {
        let temp = try TemporaryDirectory()
        let sourceURL = temp.file("source")
        func state(_ value: Float) throws -> State {
            try State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor([value])))])
        }
        try Checkpointer().save(["a": .state(try state(1)), "b": .state(try state(2)), "notes": .json(Data("{}".utf8))],
                                to: sourceURL)
        let ambiguous = try refused([sourceURL.path, temp.file("out").path])
        #expect(ambiguous.contains("several State items (a, b) and none is \"model\"; pass --item NAME"), "\(ambiguous)")
        #expect(!FileManager.default.fileExists(atPath: temp.file("out").path))

        try convert([sourceURL.path, temp.file("out").path, "--item", "b"])
        let picked = try Checkpointer().open(temp.file("out")).state("model")
        #expect(picked[Path(["w"])]?.value == Tensor([Float(2)]))

        let notState = try refused([sourceURL.path, temp.file("x").path, "--item", "notes"])
        #expect(notState.contains("item \"notes\" holds json, not state"), "\(notState)")
        let missing = try refused([sourceURL.path, temp.file("x").path, "--item", "c"])
        #expect(missing.contains("no item \"c\" (items: a, b, notes)"), "\(missing)")
    }

    @Test func runDirectoryMeansItsLatestStep() async throws {
        let temp = try TemporaryDirectory()
        let run = temp.file("run")
        let manager = try CheckpointManager(directory: run)
        for step in [10, 20] {
            let state = try State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor([Float(step)])))])
            try await manager.save(step: step, items: ["model": .state(state)])
        }
        try await manager.close()

        try convert([run.path, temp.file("latest").path])
        #expect(try Checkpointer().open(temp.file("latest")).step == 20)
        try convert([run.path, temp.file("ten").path, "--step", "10"])
        #expect(try Checkpointer().open(temp.file("ten")).state("model")[Path(["w"])]?.value == Tensor([Float(10)]))
        let noStep = try refused([run.path, temp.file("x").path, "--step", "15"])
        #expect(noStep.contains("no complete checkpoint for step 15"), "\(noStep)")
    }

    @Test func refusesAnExistingDestinationWithoutForce() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        try convert([single.path, checkpointURL.path, "--to", "arbor"])
        let out = temp.file("out")
        try convert([checkpointURL.path, out.path, "--dtype", "f16"])
        let before = try bytes(out.appendingPathComponent(CheckpointMetadata.fileName))

        let again = try refused([checkpointURL.path, out.path])
        #expect(again.contains("out already exists; pass --force to replace it"), "\(again)")
        #expect(try bytes(out.appendingPathComponent(CheckpointMetadata.fileName)) == before)

        try convert([checkpointURL.path, out.path, "--force"])
        let state = try Checkpointer().open(out, verify: true).state("model")
        #expect(state.leaves.allSatisfy { $0.dtype == .float32 })
        // Nothing left behind: no staging or old copies beside DST.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path).sorted() == ["ckpt", "out"])
    }

    @Test func refusesWhatIsNeitherModelNorCheckpoint() throws {
        let temp = try TemporaryDirectory()
        let empty = temp.file("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: empty.appendingPathComponent("README.txt"))
        let message = try refused([empty.path, temp.file("out").path, "--to", "arbor"])
        #expect(message.contains("\(empty.path): neither a model directory"), "\(message)")
        #expect(message.contains("nor an Arbor checkpoint (checkpoint.json"))
        #expect(message.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: temp.file("out").path))

        // A step directory without checkpoint.json is an interrupted save, not a checkpoint.
        let step = empty.appendingPathComponent("step_00000001")
        try FileManager.default.createDirectory(at: step, withIntermediateDirectories: true)
        let incomplete = try refused([empty.path, temp.file("out").path])
        #expect(incomplete.contains("no complete checkpoint found"), "\(incomplete)")
    }

    @Test func refusesBadOptionsAndInputs() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        try convert([single.path, checkpointURL.path, "--to", "arbor"])

        // Enum options: the parser lists the choices and refuses anything else.
        let onnx = try ArborExecutable.run(["convert", single.path, temp.file("x").path, "--to", "onnx"])
        #expect(onnx.status == 64)
        #expect(onnx.stderr.contains("The value 'onnx' is invalid for '--to <to>'. Please provide one of 'hf' and 'arbor'."),
                "\(onnx.stderr)")
        let int8 = try ArborExecutable.run(["convert", single.path, temp.file("x").path, "--dtype", "int8"])
        #expect(int8.status == 64)
        #expect(int8.stderr.contains("Please provide one of 'bf16', 'f16', 'f32' or 'f64'."), "\(int8.stderr)")
        let reverse = try ArborExecutable.run(["convert", single.path, temp.file("x").path, "--reverse"])
        #expect(reverse.status == 64)
        #expect(reverse.stderr.contains("--reverse applies --rules in the export direction; give --rules"), "\(reverse.stderr)")
        // Other spellings of an allowed dtype are read by DType(parsing:).
        try convert([single.path, temp.file("bf").path, "--dtype", "torch.bfloat16", "--to", "HF"])
        #expect(try SafeTensorsFile(contentsOf: temp.file("bf").appendingPathComponent("model.safetensors")).tensors
            .allSatisfy { $0.dtype == .bfloat16 })
        #expect(try refused([single.path, temp.file("x").path, "--item", "model"])
            .contains("--item: \(single.path) is not an Arbor checkpoint"))
        #expect(try refused([checkpointURL.path, temp.file("x").path, "--step", "3"])
            .contains("--step: \(checkpointURL.path) is one checkpoint, not a run directory"))

        // A damaged checkpoint is refused before anything is written.
        let damaged = temp.file("damaged")
        try convert([checkpointURL.path, damaged.path])
        let data = damaged.appendingPathComponent("model/data-00000-of-00001.safetensors")
        var contents = try bytes(data)
        contents[contents.count - 1] ^= 0xFF
        try contents.write(to: data)
        #expect(try refused([damaged.path, temp.file("x").path]).contains("checksum mismatch"))
        #expect(!FileManager.default.fileExists(atPath: temp.file("x").path))

        // Two paths with one dotted name cannot both become state-dict entries.
        let clash = temp.file("clash")
        try Checkpointer().save(["model": .state(try State(flat: [
            (Path(["x", 0]), VariableState(kind: .param, value: Tensor([Float(1)]))),
            (Path(["x", .name("0")]), VariableState(kind: .param, value: Tensor([Float(2)]))),
        ]))], to: clash)
        let duplicate = try refused([clash.path, temp.file("x").path, "--to", "hf"])
        #expect(duplicate.contains("paths [\"x\", 0] and [\"x\", \"0\"] both have the dotted name \"x.0\""), "\(duplicate)")

        // Stored files may not name anything outside DST.
        let escape = temp.file("escape")
        let files = Data(#"{"files": {"../evil.txt": "x"}}"#.utf8)
        try Checkpointer().save(["model": .state(try State(flat: [(Path(["w"]), VariableState(kind: .param, value: Tensor([Float(1)])))])),
                                 "model_files": .json(files)], to: escape)
        let evil = try refused([escape.path, temp.file("x").path, "--to", "hf"])
        #expect(evil.contains("stored model files: \"../evil.txt\" is not a plain file name"), "\(evil)")
        #expect(!FileManager.default.fileExists(atPath: temp.url.deletingLastPathComponent().appendingPathComponent("evil.txt").path))

        // Names that cannot be split into a path.
        let odd = temp.file("odd.safetensors")
        try SafeTensorsWriter.write([(name: "a..b", tensor: Tensor([Float(1)]))], to: odd)
        #expect(try refused([odd.path, temp.file("x").path, "--to", "arbor"])
            .contains("tensor \"a..b\": has an empty part between dots"))
        let tree = temp.file("tree.safetensors")
        try SafeTensorsWriter.write([(name: "a", tensor: Tensor([Float(1)])), (name: "a.b", tensor: Tensor([Float(2)]))], to: tree)
        #expect(try refused([tree.path, temp.file("x").path, "--to", "arbor"]).contains("the tensor names do not form a tree"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.url.path).sorted()
            == ["bf", "ckpt", "clash", "damaged", "escape", "odd.safetensors", "tree.safetensors"])
    }
}
