import Arbor
import ArborCheckpoint
import ArborInterop
import ArborTensor
import ArborTestSupport
import Foundation
import Testing

/// `ModelConverter` from Swift, no CLI: what `arbor convert` does, in process.
@Suite struct ModelConverterTests {
    private let single = Fixtures.url("gpt2/single")

    /// Hugging Face directory → Arbor checkpoint → Hugging Face directory gives
    /// back the very bytes of every file, as `arbor convert` does.
    @Test func huggingFaceToCheckpointAndBackIsByteIdentical() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        var updates: [ModelConverter.Progress] = []
        let toCheckpoint = ModelConverter(source: try .init(single), destination: checkpointURL,
                                          options: .init(layout: .checkpoint))
        let saved = try toCheckpoint.convert { updates.append($0) }
        #expect(saved.layout == .checkpoint)
        #expect(saved.items == ["model", StoredModelFiles.itemName])
        #expect(saved.tensorCount == 28)
        #expect(updates.last.map { $0.completedBytes == $0.totalBytes } == true)

        let checkpoint = try Checkpointer().open(checkpointURL, verify: true)
        let stored = try checkpoint.json(StoredModelFiles.itemName, as: StoredModelFiles.self)
        #expect(stored.files.keys.sorted() == ["config.json", "generation_config.json"])

        let back = temp.file("hf")
        let source = try ModelConverter.Source(checkpointURL)
        #expect(source.kind == .checkpoint)
        let written = try ModelConverter(source: source, destination: back, options: .init(layout: .huggingFace)).convert()
        #expect(written.weightFiles.map(\.lastPathComponent) == ["model.safetensors"])
        let names = try FileManager.default.contentsOfDirectory(atPath: back.path).sorted()
        #expect(names == ["config.json", "generation_config.json", "model.safetensors"])
        for name in names {
            let original = try Data(contentsOf: single.appendingPathComponent(name))
            #expect(try Data(contentsOf: back.appendingPathComponent(name)) == original, "\(name) differs")
        }
    }

    /// Rules, a cast and the model route from Swift: HF → bf16 checkpoint of
    /// Arbor's GPT2 → HF equals the directory torch cast to bfloat16.
    @Test func throughGPT2WithACast() throws {
        let temp = try TemporaryDirectory()
        let checkpointURL = temp.file("ckpt")
        let saved = try ModelConverter(source: try .init(single), destination: checkpointURL,
                                       options: .init(layout: .checkpoint, dtype: .bfloat16, model: .gpt2)).convert()
        #expect(saved.gpt2Config?.layers == 2)
        let state = try Checkpointer().open(checkpointURL, verify: true).state("model")
        #expect(state.leaves.allSatisfy { $0.dtype == .bfloat16 })

        let back = temp.file("hf")
        try ModelConverter(source: try .init(checkpointURL), destination: back, options: .init(
            layout: .huggingFace, rules: try StateDictRules.named("gpt2"), reverse: true, model: .gpt2)).convert()
        let bf16 = Fixtures.url("gpt2/bf16/model.safetensors")
        #expect(try Data(contentsOf: back.appendingPathComponent("model.safetensors")) == Data(contentsOf: bf16))
    }

    @Test func refusals() throws {
        let temp = try TemporaryDirectory()
        #expect(throws: ModelConverterError.optionNotApplicable(
            option: "--item", reason: "\(single.path) is not an Arbor checkpoint; it applies only to a checkpoint SRC")) {
            _ = try ModelConverter.Source(single, item: "model")
        }
        #expect(throws: ModelConverterError.unsupportedDType("int8")) {
            try ModelConverter(source: try .init(single), destination: temp.file("x"), options: .init(dtype: .int8)).convert()
        }
        #expect(throws: ModelConverterError.destinationExists(temp.url.path)) {
            try ModelConverter(source: try .init(single), destination: temp.url).convert()
        }
        #expect(throws: ModelConverterError.unknownRules("llama")) { _ = try StateDictRules.named("llama") }
    }

    /// config.json names dtypes as PyTorch does; integers keep their own names
    /// and a dtype PyTorch lacks is refused rather than written as `float32`.
    @Test func configDTypeNames() throws {
        #expect(try HuggingFaceModelDirectory.torchName(.int64) == "int64")
        #expect(try HuggingFaceModelDirectory.torchName(.bfloat16) == "bfloat16")
        #expect(throws: HuggingFaceError.self) { try HuggingFaceModelDirectory.torchName(.float6E2M3) }
        let old = Data(#"{"torch_dtype": "float32", "n_embd": 64}"#.utf8)
        let updated = try HuggingFaceModelDirectory.config(old, settingDType: .float16, path: "config.json")
        let object = try JSONSerialization.jsonObject(with: updated) as? [String: Any]
        #expect(object?["torch_dtype"] as? String == "float16")
        #expect(object?["dtype"] == nil)
        #expect(object?["n_embd"] as? Int == 64)
        #expect(throws: HuggingFaceError.self) {
            _ = try HuggingFaceModelDirectory.config(Data("[1]".utf8), settingDType: .float16, path: "config.json")
        }
    }

    /// `model_files` keeps UTF-8 files as text and anything else as base64, and
    /// refuses names that could write outside the destination.
    @Test func storedModelFiles() throws {
        let binary = Data([0x00, 0xFF, 0x80])
        let stored = StoredModelFiles([(name: "config.json", data: Data("{}".utf8)), (name: "tok.model", data: binary)])
        #expect(stored.files == ["config.json": "{}"])
        #expect(stored.binaryFiles == ["tok.model": binary.base64EncodedString()])
        #expect(try stored.contents(source: "ckpt").map(\.name) == ["config.json", "tok.model"])
        let evil = try JSONDecoder().decode(StoredModelFiles.self, from: Data(#"{"files": {"../x": "y"}}"#.utf8))
        #expect(throws: ModelConverterError.self) { _ = try evil.contents(source: "ckpt") }
    }
}
