import Arbor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing
@testable import ArborCheckpoint

@Suite struct CheckpointerTests {
    let checkpointer = Checkpointer()

    private func stackState(depth: Int) throws -> State {
        try Graph.state(TestStack(depth: depth))
    }

    @Test func roundTripWithoutTargetIsFaithful() throws {
        let directory = try TemporaryDirectory()
        var state = try stackState(depth: 3)
        state = state.map { path, leaf in
            var leaf = leaf
            if path.keys.last == "weight" { leaf.metadata.sharding = ShardingSpec(["data", nil]) }
            leaf.metadata["note"] = path.dotted
            return leaf
        }
        let url = directory.file("ckpt")
        let written = try checkpointer.save(["params": .state(state)], to: url, step: 7, metrics: ["loss": 0.25])
        #expect(written.step == 7)

        let checkpoint = try checkpointer.open(url)
        let restored = try checkpoint.state("params")
        #expect(restored == state)
        #expect(restored.paths.contains(["layers", 0, "bias"]), "integer keys stay integers")
        #expect(!restored.paths.contains(["layers", "0", "bias"]))
        #expect(restored.flat.first { $0.path == ["runningMean"] }?.leaf.kind == .batchStat)
        #expect(restored.leaves.allSatisfy { $0.value.isMemoryMapped }, "restore is zero-copy by default")
        #expect(try checkpoint.state("params", copy: true).leaves.allSatisfy { !$0.value.isMemoryMapped })
        #expect(checkpoint.metadata.metrics["loss"] == 0.25)
    }

    @Test func genuineStringKeysStayStrings() throws {
        let directory = try TemporaryDirectory()
        let leaf = VariableState(kind: .param, value: Tensor([1, 2] as [Float]))
        let state = try State(flat: [(Path(["0"]), leaf), (Path([0]), leaf)])
        try checkpointer.save(["s": .state(state)], to: directory.file("c"))
        let restored = try checkpointer.open(directory.file("c")).state("s")
        #expect(restored.paths == state.paths)
        #expect(restored.paths.contains(Path([.name("0")])))
        #expect(restored.paths.contains(Path([.index(0)])))
    }

    @Test func sharedEntriesStayShared() throws {
        let directory = try TemporaryDirectory()
        let tied = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let state = try State(flat: [
            (Path(["embedding"]), VariableState(kind: .param, value: tied)),
            (Path(["head"]), VariableState(kind: .param, value: tied)),
        ])
        try checkpointer.save(["s": .state(state)], to: directory.file("c"))
        for copy in [false, true] {
            let restored = try checkpointer.open(directory.file("c")).state("s", copy: copy)
            #expect(restored == state)
            #expect(restored.leaves[0].value.sharesStorage(with: restored.leaves[1].value))
        }
    }

    @Test func restoreIntoAbstractTarget() throws {
        let directory = try TemporaryDirectory()
        let state = try stackState(depth: 2)
        try checkpointer.save(["params": .state(state)], to: directory.file("c"))
        let target = try Graph.state(Graph.evalShape { TestStack(depth: 2) })
        #expect(target.leaves.allSatisfy { $0.value.isAbstract })
        let restored = try checkpointer.open(directory.file("c")).state("params", into: target)
        #expect(restored == state)

        let model = TestStack(depth: 2)
        try checkpointer.open(directory.file("c")).restore("params", into: model)
        #expect(model.layers[1].bias.value == state.flat.first { $0.path == ["layers", 1, "bias"] }!.leaf.value)
    }

    /// DESIGN problem 2 through disk: all four kinds of mismatch in one error.
    @Test func everyMismatchInOneError() throws {
        let directory = try TemporaryDirectory()
        let base = try stackState(depth: 2)
        var entries = base.flat.map { ($0.path, $0.leaf) }
        // wrong shape, wrong dtype, one missing, one extra
        entries[0].1.value = Tensor([Float](repeating: 0, count: 3))
        entries[1].1.value = try entries[1].1.value.converted(to: .float16)
        entries.remove(at: 2)
        entries.append((Path(["extra"]), VariableState(kind: .param, value: Tensor([1] as [Float]))))
        try checkpointer.save(["params": .state(State(flat: entries))], to: directory.file("c"))

        let target = try Graph.state(Graph.evalShape { TestStack(depth: 2) })
        let error = try #require(throws: CheckpointError.self) {
            try checkpointer.open(directory.file("c")).state("params", into: target)
        }
        guard case .mismatch(_, let mismatch) = error else {
            Issue.record("expected a mismatch, got \(error)")
            return
        }
        #expect(mismatch.problems.count == 4)
        let text = error.description
        for fragment in ["wrong shape", "wrong dtype", "missing", "unexpected", "extra"] {
            #expect(text.contains(fragment), "\(fragment) in \(text)")
        }
    }

    /// A 12-layer checkpoint into a 16-layer model is an error, not a partial load.
    @Test func fewerLayersIsAnError() throws {
        let directory = try TemporaryDirectory()
        try checkpointer.save(["params": .state(stackState(depth: 12))], to: directory.file("c"))
        let target = try Graph.state(Graph.evalShape { TestStack(depth: 16) })
        let error = try #require(throws: CheckpointError.self) {
            try checkpointer.open(directory.file("c")).state("params", into: target)
        }
        guard case .mismatch(_, let mismatch) = error else { Issue.record("\(error)"); return }
        #expect(mismatch.missingPaths.count == 8)
        #expect(mismatch.missingPaths.contains(["layers", 15, "weight"]))
    }

    @Test func castsOnlyWhenAsked() throws {
        let directory = try TemporaryDirectory()
        let value = Tensor([16_777_217] as [Int32])
        let state = try State(flat: [(Path(["count"]), VariableState(kind: .param, value: value))])
        try checkpointer.save(["s": .state(state)], to: directory.file("c"))
        let target = try State(flat: [(Path(["count"]), VariableState(kind: .param, value: Tensor.abstract(shape: [1], dtype: .float32)))])
        #expect(throws: CheckpointError.self) { try checkpointer.open(directory.file("c")).state("s", into: target) }
        let cast = try checkpointer.open(directory.file("c"))
            .state("s", into: target, options: RestoreOptions(castDTypes: true))
        #expect(cast.leaves[0].dtype == .float32)
    }

    @Test func partialRestoreByFilter() throws {
        let directory = try TemporaryDirectory()
        try checkpointer.save(["params": .state(stackState(depth: 2))], to: directory.file("c"))
        let target = try Graph.state(Graph.evalShape { TestStack(depth: 2) })
        let params = try checkpointer.open(directory.file("c"))
            .state("params", into: target, options: RestoreOptions(filter: .kind(.param)))
        #expect(params.count == 4)
        #expect(params.leaves.allSatisfy { $0.kind == .param })
    }

    @Test func jsonItemsAndItemErrors() throws {
        struct Loader: Codable, Equatable { var epoch: Int; var position: Int }
        let directory = try TemporaryDirectory()
        try checkpointer.save(["loader": .json(encoding: Loader(epoch: 2, position: 17))], to: directory.file("c"))
        let checkpoint = try checkpointer.open(directory.file("c"))
        #expect(try checkpoint.json("loader", as: Loader.self) == Loader(epoch: 2, position: 17))
        #expect(throws: CheckpointError.noSuchItem(path: checkpoint.url.path, item: "params", available: ["loader"])) {
            try checkpoint.state("params")
        }
        #expect(throws: CheckpointError.self) { try checkpoint.state("loader") }
        #expect(throws: CheckpointError.invalidItemName("../x")) {
            try checkpointer.save(["../x": .json(Data())], to: directory.file("d"))
        }
    }

    @Test func neverOverwritesUnlessForced() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("c")
        try checkpointer.save(["a": .json(Data("1".utf8))], to: url)
        #expect(throws: CheckpointError.alreadyExists(path: url.path)) {
            try checkpointer.save(["a": .json(Data("2".utf8))], to: url)
        }
        #expect(try checkpointer.open(url).json("a", as: Int.self) == 1)
        try checkpointer.save(["a": .json(Data("2".utf8))], to: url, force: true)
        #expect(try checkpointer.open(url).json("a", as: Int.self) == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(leftovers == ["c"], "no temporary directories remain")
    }

    /// Bit rot: one flipped byte is found by verify and by restore(verify:).
    @Test func bitRotIsFoundAndNamed() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("c")
        try checkpointer.save(["params": .state(stackState(depth: 2))], to: url)
        let dataFile = url.appendingPathComponent("params/data-00000-of-00001.safetensors")
        var bytes = try Data(contentsOf: dataFile)
        bytes[bytes.count - 3] ^= 0x01
        try bytes.write(to: dataFile)

        let problems = try checkpointer.open(url).verify()
        #expect(problems.count == 1)
        #expect(problems.first?.description.contains("params/data-00000-of-00001.safetensors") == true)
        #expect(throws: CheckpointError.self) { try checkpointer.open(url, verify: true) }
        let target = try stackState(depth: 2)
        let error = try #require(throws: CheckpointError.self) {
            try checkpointer.open(url).state("params", into: target, options: RestoreOptions(verify: true))
        }
        #expect(error.description.contains("data-00000-of-00001.safetensors"))
    }

    @Test func largeItemsSplitIntoSeveralFiles() throws {
        let directory = try TemporaryDirectory()
        let state = try stackState(depth: 6)
        try Checkpointer(maxDataFileBytes: 100).save(["params": .state(state)], to: directory.file("c"))
        let checkpoint = try checkpointer.open(directory.file("c"))
        let dataFiles = checkpoint.metadata.items["params"]!.files.filter { $0.hasSuffix(".safetensors") }
        #expect(dataFiles.count > 3)
        #expect(try checkpoint.state("params") == state)
        // Data files are plain safetensors any reader opens.
        let first = try SafeTensorsFile(contentsOf: checkpoint.url.appendingPathComponent(dataFiles[0]))
        #expect(!first.names.isEmpty)
    }
}

extension CheckpointerTests {
    /// A data file cut short after the save is an error naming that file when a
    /// copying restore opens it.
    @Test func aCopyingRestoreOfATruncatedFileIsAnError() throws {
        let directory = try TemporaryDirectory()
        let state = try stackState(depth: 2)
        let url = directory.file("ckpt")
        try checkpointer.save(["params": .state(state)], to: url, step: 1)
        let checkpoint = try checkpointer.open(url)
        let data = try FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent("params").path)
            .filter { $0.hasSuffix(".safetensors") }
        #expect(data.count == 1)
        let file = url.appendingPathComponent("params").appendingPathComponent(try #require(data.first))
        #expect(try checkpoint.state("params", copy: true) == state)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 16)
        try handle.close()
        #expect {
            _ = try checkpoint.state("params", copy: true)
        } throws: { error in
            guard case let .corrupt(path, _) = error as? CheckpointError else { return false }
            return path == file.path
        }
    }
}
