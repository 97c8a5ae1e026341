import Arbor
import ArborTensor
import Foundation
import SafeTensors

extension HuggingFaceModelDirectory {
    /// Maps `tensors` through `rules` and loads them into the model `build`
    /// makes: strictly into a shape-only model (no random initialisation is
    /// paid for; every problem in one error), or leniently into a model seeded
    /// with 0 (missing keys keep its values). Every architecture's loader ends here.
    static func load<Model: Module>(_ build: () -> Model, rules: StateDictRules, tensors: StateDict, source: String,
                                    strict: Bool) throws(HuggingFaceError) -> (model: Model, report: StateDictLoadReport) {
        let mapped: StateDict
        do { mapped = try rules.apply(tensors) } catch { throw .rules(error) }
        let loader = StateDictLoader(strict: strict, castFloats: true)
        do {
            if strict {
                let (graphDef, shapes) = try Graph.split(Graph.evalShape(build))
                let (state, report) = try loader.load(mapped, into: shapes, source: source)
                return (try Graph.merge(graphDef, state), report)
            }
            let model = build()
            let (state, report) = try loader.load(mapped, into: try Graph.state(model), source: source)
            try Graph.update(model, state)
            return (model, report)
        } catch let error as StateDictLoadError {
            throw .load(error)
        } catch let error as GraphError {
            throw .graph(error)
        } catch {
            throw .io(path: source, reason: "\(error)")
        }
    }

    /// `model`'s tensors under Hugging Face names (`rules` inverted), cast to
    /// `dtype` and put in `order`; `path` names the destination in errors (the order `save_pretrained` writes, so shards
    /// split where transformers splits them).
    static func exported(_ model: some Module, rules: StateDictRules, dtype: DType, path: String,
                         order: (String) -> [Int]) throws(HuggingFaceError) -> StateDict {
        let tensors: StateDict
        do {
            tensors = try rules.apply(try StateDict.export(model), direction: .inverse).castingFloatingPoint(to: dtype)
        } catch let error as StateDictRuleError { throw .rules(error) } catch let error as GraphError {
            throw .graph(error)
        } catch { throw .io(path: path, reason: "cannot export as \(dtype): \(error)") }
        let keys = Dictionary(tensors.names.map { ($0, order($0)) }, uniquingKeysWith: { first, _ in first })
        return tensors.sorted { a, b in
            let (ka, kb) = (keys[a.name] ?? [], keys[b.name] ?? [])
            return ka == kb ? a.name < b.name : ka.lexicographicallyPrecedes(kb)
        }
    }

    /// Writes `config` (bytes of `config.json`), `options.extraFiles` and
    /// `tensors` (shards with an index above `options.maxShardSize`) as the
    /// directory `url`, atomically: built under a temporary sibling name,
    /// fsynced and renamed into place.
    static func write(_ tensors: StateDict, config: Data, to url: URL,
                      options: SaveOptions) throws(HuggingFaceError) -> ShardedWriteResult {
        if FileManager.default.fileExists(atPath: url.path), !options.force { throw .destinationExists(path: url.path) }
        let result: ShardedWriteResult
        do {
            result = try AtomicDirectory.write(to: url, replacing: options.force) { staging in
                try AtomicFile.write([UInt8](config), to: staging.appendingPathComponent("config.json"))
                for file in options.extraFiles where file.name != "config.json" {
                    guard StoredModelFiles.isPlainFileName(file.name) else {
                        throw HuggingFaceError.io(path: file.name, reason: "not a plain non-weight file name")
                    }
                    try AtomicFile.write([UInt8](file.data), to: staging.appendingPathComponent(file.name))
                }
                return try SafeTensorsWriter.writeSharded(tensors, to: staging, maxShardSize: options.maxShardSize)
            }
        } catch let error as SafeTensorsError { throw .weights(error) } catch let error as HuggingFaceError {
            throw error
        } catch {
            throw .io(path: url.path, reason: "\(error)")
        }
        let files = result.files.map { url.appendingPathComponent($0.lastPathComponent) }
        return ShardedWriteResult(files: files, indexURL: result.indexURL.map { url.appendingPathComponent($0.lastPathComponent) },
                                  totalSize: result.totalSize)
    }

    /// A sort key for a Hugging Face name in declaration order: the rank of
    /// its top-level part in `sections`, its layer number (the first integer
    /// part), the rank of the part after the layer number in `modules`, then
    /// weight before bias. Names not listed sort last.
    static func declarationOrder(_ name: String, sections: [String], modules: [String]) -> [Int] {
        let parts = name.split(separator: ".").map(String.init)
        let parameter = parts.last == "weight" ? 0 : parts.last == "bias" ? 1 : 2
        guard let layerPosition = parts.firstIndex(where: { Int($0) != nil }) else {
            let module = parts.dropLast().joined(separator: ".")
            return [sections.firstIndex(of: module) ?? sections.count, 0, 0, parameter]
        }
        let section = parts[..<layerPosition].joined(separator: ".")
        let module = parts[(layerPosition + 1)...].dropLast().joined(separator: ".")
        return [sections.firstIndex(of: section) ?? sections.count, Int(parts[layerPosition]) ?? 0,
                modules.firstIndex(of: module) ?? modules.count, parameter]
    }
}
