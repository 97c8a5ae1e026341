import ArborCheckpoint
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// Traps the input audit (docs/hardening.md) found reachable from file
/// contents, each met the way a user meets it: through `arbor`, with a one-line
/// error naming the file and exit status 1 instead of a signal.
@Suite struct InputAuditTests {
    /// Expects a one-line error on standard error naming `file`, exit status 1, no signal.
    private func expectRefused(_ outcome: ArborExecutable.Outcome, naming file: String, _ context: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!outcome.signaled, "\(context) died with signal \(outcome.status): \(outcome.stderr)",
                sourceLocation: sourceLocation)
        #expect(outcome.status == 1, "\(context): \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(outcome.stderr.contains(file), "\(context): \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(outcome.stderr.split(separator: "\n").count == 1, "\(context): \(outcome.stderr)",
                sourceLocation: sourceLocation)
    }

    /// Llama and BERT sizes whose weights fit in an `Int` as elements but not
    /// as bits died with SIGILL in `Tensor.abstract` (and BERT's
    /// `type_vocab_size` was not checked at all); now the fields are named.
    @Test(arguments: [
        ("llama/single", #"{"vocab_size": 1000000000, "hidden_size": 1000000000}"#),
        ("bert/single", #"{"type_vocab_size": 100000000000000000}"#),
        ("bert/single", #"{"type_vocab_size": 1000000000000000000}"#),
    ])
    func llamaAndBERTSizesTooLargeToAddressAreRefused(fixture: String, json: String) throws {
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let temp = try TemporaryDirectory()
        let model = try GenerateCommandTests.absurdModel(temp, changes, fixture: fixture)
        let bert = fixture.hasPrefix("bert")
        for arguments in [[bert ? "embed" : "generate", model.path, "--tokens", "5"],
                          ["convert", model.path, temp.file("out").path, "--model", bert ? "bert" : "llama"]] {
            let outcome = try ArborExecutable.run(arguments, timeout: 120)
            expectRefused(outcome, naming: "config.json", "\(arguments[0]) \(json)")
            #expect(outcome.stderr.contains("multiply to more elements"), "\(outcome.stderr)")
        }
    }

    /// A `tree.json` leaf shape with a negative or overflowing dimension went
    /// unchecked into `IndexBox(covering:)` and `Tensor.abstract` when a
    /// command read the item (SIGILL); now `tree.json` and the leaf are named.
    /// The checksums are rewritten too, so only the shape is wrong.
    @Test(arguments: [[-1], [4_294_967_296, 4_294_967_296]])
    func treeJSONShapesAreCheckedBeforeUse(shape: [Int]) async throws {
        let (directory, step) = try await CheckpointNameTests.makeStep(prefix: "arbor-cli-audit")
        let treeURL = step.appendingPathComponent("params/tree.json")
        var tree = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: treeURL)) as? [String: Any])
        var leaves = try #require(tree["leaves"] as? [[String: Any]])
        leaves[0]["shape"] = shape
        tree["leaves"] = leaves
        try JSONSerialization.data(withJSONObject: tree).write(to: treeURL)
        let metadataURL = step.appendingPathComponent("checkpoint.json")
        var metadata = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: metadataURL)) as? [String: Any])
        var files = try #require(metadata["files"] as? [String: Any])
        let digest = try FileDigest.sha256(of: treeURL)
        files["params/tree.json"] = ["bytes": digest.bytes, "sha256": digest.sha256]
        metadata["files"] = files
        try JSONSerialization.data(withJSONObject: metadata).write(to: metadataURL)

        for arguments in [["convert", step.path, directory.file("out").path, "--to", "hf"],
                          ["convert", step.path, directory.file("out.safetensors").path],
                          ["inspect", step.path]] {
            let outcome = try ArborExecutable.run(arguments, timeout: 120)
            expectRefused(outcome, naming: "tree.json", "\(arguments.joined(separator: " ")) with shape \(shape)")
            #expect(outcome.stderr.contains("invalid shape"), "\(outcome.stderr)")
        }
    }

    /// A `torch.save` file of a few hundred bytes whose one float is viewed
    /// with stride 0 as terabytes died with SIGABRT in `convert` and `diff`
    /// (a failed allocation), and `inspect` printed 0 bytes for it; now the
    /// view is refused when the file is opened, naming the file and tensor.
    @Test(arguments: ["expanded_4tib.pt", "expanded_huge.pt"])
    func aStrideZeroViewAskingForTerabytesIsRefused(fixture: String) throws {
        let file = Fixtures.url("pytorch/\(fixture)")
        let temp = try TemporaryDirectory()
        for (arguments, status) in [(["inspect", file.path], Int32(1)),
                                    (["convert", file.path, temp.file("out.safetensors").path], 1),
                                    (["diff", file.path, file.path], 2)] {
            let outcome = try ArborExecutable.run(arguments, timeout: 120)
            #expect(!outcome.signaled, "\(arguments[0]) died with signal \(outcome.status): \(outcome.stderr)")
            #expect(outcome.status == status, "\(arguments[0]): \(outcome.stderr)")
            #expect(outcome.stderr.contains(fixture) && outcome.stderr.contains("\"w\""), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("more than this machine's memory"), "\(outcome.stderr)")
        }
    }

    /// An empty tensor may declare absurd other dimensions (`[0, 2^40, 2^40]`
    /// is a valid safetensors shape, as in the reference library): `convert
    /// --rules` with a split or a fuse overflowed computing its row size
    /// (SIGILL). Now empty tensors are split and fused without one.
    @Test func emptyTensorsWithAbsurdDimensionsSplitAndFuse() throws {
        let temp = try TemporaryDirectory()
        let file = temp.file("empty.safetensors")
        let shape = "[0,1099511627776,1099511627776]"
        var header = Array(("{\"a.q\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,0]},"
            + "\"a.k\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,0]}}").utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        try Data(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header).write(to: file)
        let rules = temp.file("rules.json")
        try Data((#"{"name": "rules.json", "rules": [{"op": "fuse", "parts": [".q", ".k"], "to": ".qk", "axis": 0}, "#
            + #"{"op": "split", "match": ".qk", "into": [".x", ".y"], "axis": 1}]}"#).utf8).write(to: rules)
        let out = temp.file("out.safetensors")
        let outcome = try ArborExecutable.run(["convert", file.path, out.path, "--rules", rules.path], timeout: 120)
        #expect(!outcome.signaled, "convert died with signal \(outcome.status): \(outcome.stderr)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let written = try SafeTensorsFile(contentsOf: out)
        #expect(written.names.sorted() == ["a.x", "a.y"])
        #expect(written.info(named: "a.x")?.shape == [0, 549_755_813_888, 1_099_511_627_776])
    }
}
