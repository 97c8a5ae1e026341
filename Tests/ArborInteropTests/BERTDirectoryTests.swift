import Arbor
import ArborInterop
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// BERT directories made by transformers (Tests/Fixtures/bert) loaded into
/// Arbor's `BERT`: hidden states and pooler output against transformers'
/// (padded batch with token types, and plain), task models, export.
@Suite struct BERTDirectoryTests {
    static let reference: ReferenceOutputs = (try? ReferenceOutputs("bert"))!

    @Test(arguments: [("bert/single", ""), ("bert/sharded", ""), ("bert/bf16", "_bf16")])
    func outputsMatchTransformers(directory: String, suffix: String) throws {
        let (model, report, heads) = try HuggingFaceModelDirectory(opening: Fixtures.url(directory)).loadBERT()
        #expect(report.isClean && heads.isEmpty)
        let out = model(try Self.reference.tensor("input_ids"), tokenTypes: try Self.reference.tensor("token_type_ids"),
                        attentionMask: try Self.reference.tensor("attention_mask"))
        #expect(TensorComparison.largestDifference(out.lastHiddenState,
                                                   try Self.reference.tensor("last_hidden_state" + suffix)) <= 1e-4)
        #expect(TensorComparison.largestDifference(out.poolerOutput,
                                                   try Self.reference.tensor("pooler_output" + suffix)) <= 1e-4)
    }

    @Test func defaultsAreZeroTypesAndNoMask() throws {
        let (model, _, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("bert/single")).loadBERT()
        let out = model(try Self.reference.tensor("input_ids"))
        #expect(TensorComparison.largestDifference(out.lastHiddenState,
                                                   try Self.reference.tensor("last_hidden_state_plain")) <= 1e-4)
        #expect(TensorComparison.largestDifference(out.poolerOutput,
                                                   try Self.reference.tensor("pooler_output_plain")) <= 1e-4)
    }

    /// A `BertForSequenceClassification` directory: the `bert.` encoder loads,
    /// the classifier is reported, outputs are the BertModel's.
    @Test func taskModelLoadsItsEncoder() throws {
        let (model, report, heads) = try HuggingFaceModelDirectory(opening: Fixtures.url("bert/task")).loadBERT()
        #expect(report.isClean)
        #expect(heads.sorted() == ["classifier.bias", "classifier.weight"])
        let (plain, _, _) = try HuggingFaceModelDirectory(opening: Fixtures.url("bert/single")).loadBERT()
        let ids = try Self.reference.tensor("input_ids")
        #expect(model(ids).lastHiddenState == plain(ids).lastHiddenState)
    }

    @Test func exportReproducesTheTransformersFile() throws {
        let source = try HuggingFaceModelDirectory(opening: Fixtures.url("bert/single"))
        let (model, _, _) = try source.loadBERT()
        let temp = try TemporaryDirectory()
        let out = temp.file("export")
        try HuggingFaceModelDirectory.save(model, to: out, options: .init(baseConfig: source.config))
        let original = try SafeTensorsFile(contentsOf: Fixtures.url("bert/single/model.safetensors"))
        let exported = try SafeTensorsFile(contentsOf: out.appendingPathComponent("model.safetensors"))
        #expect(exported.names.sorted() == original.names.sorted())
        for name in original.names { #expect(try exported.tensor(named: name) == original.tensor(named: name), "\(name)") }
        let (again, report, _) = try HuggingFaceModelDirectory(opening: out).loadBERT()
        #expect(report.isClean)
        let ids = try Self.reference.tensor("input_ids")
        #expect(again(ids).poolerOutput == model(ids).poolerOutput)

        let sharded = temp.file("sharded")
        try HuggingFaceModelDirectory.save(model, to: sharded, options: .init(maxShardSize: 40_000, baseConfig: source.config))
        #expect(try ShardIndex.weightMap(in: sharded) == ShardIndex.weightMap(in: Fixtures.url("bert/sharded")))
    }

    @Test(arguments: [
        (#"{"hidden_act": "gelu_new"}"#, "hidden_act"),
        (#"{"position_embedding_type": "relative_key"}"#, "position_embedding_type"),
        (#"{"is_decoder": true}"#, "is_decoder"),
        (#"{"add_cross_attention": true}"#, "add_cross_attention"),
        (#"{"model_type": "roberta"}"#, "model_type"),
        (#"{"num_attention_heads": 5}"#, "num_attention_heads"),
    ])
    func configRefusesByName(changes: String, field: String) throws {
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("bert/single/config.json")))
        let change = try JSONSerialization.jsonObject(with: Data(changes.utf8)) as? [String: Any]
        let object = ((fixture as? [String: Any]) ?? [:]).merging(change ?? [:]) { _, new in new }
        do {
            _ = try BERTConfig(huggingFaceConfig: try JSONSerialization.data(withJSONObject: object))
            Issue.record("accepted \(changes)")
        } catch let error as ArchitectureConfigError {
            guard case let .unsupported(_, architecture, name, _, _) = error else { Issue.record("\(error)"); return }
            #expect(architecture == "BERT" && name == field)
        }
    }
}
