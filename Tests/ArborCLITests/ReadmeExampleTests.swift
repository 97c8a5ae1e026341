import Arbor
import ArborCheckpoint
import ArborDistributed
import ArborInterop
import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

/// The library examples of README.md, compiled and run, so the README cannot rot:
/// `DocumentationExampleTests` checks that every Swift block of the README stands
/// line for line here (free names such as `x` or `runURL` are set up around them)
/// or, for the examples the README shares with a DocC article (Hugging Face
/// loading and `ModelConverter`), in that article's test.
@Suite struct ReadmeExampleTests {
    final class Dense: Module {
        let weight: Param, bias: Param
        init(_ i: Int, _ o: Int) { weight = Param(shape: [i, o]); bias = Param(shape: [o]) }
    }
    final class MLP: Module {
        let layers: [Dense]
        var dropout = 0.1
        init(_ sizes: [Int]) { layers = zip(sizes, sizes.dropFirst()).map { Dense($0, $1) } }
    }

    @Test func llamaExample() throws {
        let directory = try TemporaryDirectory()
        let llamaURL = Fixtures.url("llama/single"), exportURL = directory.file("llama-arbor")

        let llamaDirectory = try HuggingFaceModelDirectory(opening: llamaURL)
        let (llama, _) = try llamaDirectory.loadLlama()  // refuses rope scaling, sliding windows… by name
        let (next, _) = try llama.greedy(prompt: [5, 17, 42], maxNewTokens: 8)
        try HuggingFaceModelDirectory.save(llama, to: exportURL,
                                           options: .init(baseConfig: llamaDirectory.config))

        #expect(next == [182, 196, 145, 149, 47, 11, 108, 156])   // transformers' greedy tokens
        #expect(try HuggingFaceModelDirectory(opening: exportURL).tensors() == llamaDirectory.tensors())
    }

    @Test func safetensorsExample() throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.url
        let url = directory.appendingPathComponent("model.safetensors")   // a folder you can write
        let weight = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let bias = Tensor([0.5, -0.5] as [Float])
        try SafeTensorsWriter.write(["linear.weight": weight, "linear.bias": bias],
                                    metadata: ["format": "pt"], to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        let loaded = try file.tensor(named: "linear.weight")   // a zero-copy view of the mapped file
        assert(loaded == weight)                                // bitwise equal
        #expect(loaded == weight)
        #expect(loaded.isMemoryMapped)
    }

    @Test func modelStateExample() throws {
        let model = MLP([4, 8, 2])
        let (graphdef, state) = try Graph.split(model)      // structure + State (leaves: VariableState)
        print(state)                                         // tree: kinds, dtypes, shapes, counts, bytes
        let copy = try Graph.merge(graphdef, state)          // a new MLP; tied weights stay tied
        try Graph.update(model, state.filter(.param))        // in place; path, shape, dtype, kind checked
        #expect(state.count == 4)
        #expect(copy !== model && copy.dropout == 0.1)

        // Keys keep their types: layers/0/bias has the integer key 0. A dict whose keys were
        // stringified by a JSON or Orbax round trip still loads into the right layers:
        var target = try Graph.state(Graph.evalShape { MLP([4, 8, 2]) })   // abstract: no bytes
        try target.replace(byPureDict: state.toPureDict().stringifyingKeys())
        try target.validate(against: graphdef.abstractState)  // one error lists every mismatch
        let json = try JSONEncoder().encode(state.toPureDict())                  // a pure dict as JSON…
        try target.replace(byPureDict: JSONDecoder().decode(PureDict.self, from: json))   // …and back
        #expect(target == state)
        #expect(target.paths.contains(["layers", 0, "bias"]))
    }

    @Test func trainingExample() throws {
        let x = Tensor([Float](repeating: 0.5, count: 12), shape: [3, 4]), y = Tensor(zeros: [3, 2])
        let layer = Linear(4, 2, key: RandomKey(seed: 0))
        let opt = AdamW(learningRate: 1e-3, weightDecay: 0.01)  // also Adam, SGD; or a Schedule
        let (loss, grads) = try grad(of: layer) { m in (m(x) - y).squared().mean() }
        try opt.update(layer, gradients: grads)
        #expect(loss.elementCount == 1 && grads.count == 2)
    }

    @Test func checkpointExample() async throws {
        let directory = try TemporaryDirectory()
        let runURL = directory.url
        let model = MLP([4, 8, 2])
        var steps = 0
        func train() -> Double {
            steps += 1
            return 1.0 / Double(steps)
        }

        let manager = try CheckpointManager(directory: runURL, options: .init(
            savePolicy: SavePolicy(every: 100),
            retention: RetentionPolicy(keepLatest: 3, keepBest: .init(metric: "loss", mode: .min, count: 1))))
        for step in 1...1_000 {
            let loss = train()                                // your training step
            // Returns once the state is snapshotted (copy-on-write); writing goes on in the background.
            try await manager.save(step: step, items: ["params": .state(try Graph.state(model))], metrics: ["loss": loss])
        }
        try await manager.close()                             // waits: the last save is never lost

        // Later, or in a new process: restoring without a target gives back the State exactly
        // as saved (integer keys, kinds, metadata, shared tensors); into a model it validates
        // every path first.
        try await CheckpointManager(directory: runURL).restore().restore("params", into: model)
        let reopened = try CheckpointManager(directory: runURL)
        #expect(try await reopened.allSteps() == [800, 900, 1_000])
        try await reopened.close()
    }

    @Test func shardingExample() throws {
        let group = SingleProcessGroup()
        let model = MLP([4, 8, 2])
        for layer in model.layers { layer.weight.metadata.sharding = ["fsdp", nil] }

        let mesh = try Mesh(["fsdp": group.size], group: group)
        let sharded = try Graph.state(model).map { _, leaf in try leaf.sharded(over: mesh) }
        try Graph.update(model, sharded)
        #expect(try Graph.state(model).leaves.filter { $0.sharded != nil }.count == 2)
    }
}
