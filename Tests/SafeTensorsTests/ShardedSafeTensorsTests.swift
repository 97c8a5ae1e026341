import ArborTensor
import ArborTestSupport
import Foundation
import Testing
@testable import SafeTensors

@Suite("Hugging Face sharded layout")
struct ShardedSafeTensorsTests {
    /// Ten tensors of 400, 800, ... bytes in a model-like order.
    static func model() -> StateDict {
        var dict = StateDict()
        for index in 0..<10 {
            let count = 100 * (index % 3 + 1)
            dict["layers.\(index).weight"] = Tensor((0..<count).map { Float($0 + index) })
        }
        return dict
    }

    private func files(in directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
    }

    @Test("sizes parse as transformers takes them", arguments: [
        ("2GB", 2_000_000_000), ("500MB", 500_000_000), ("10KB", 10_000), ("1.5GB", 1_500_000_000),
        ("1GiB", 1 << 30), ("4mib", 4 << 20), (" 1048576 ", 1_048_576), ("64B", 64), ("2TB", 2_000_000_000_000),
    ])
    func parsesSizes(_ text: String, _ bytes: Int) throws {
        #expect(try ShardSize.parse(text) == bytes)
    }

    @Test("bad sizes are refused", arguments: ["", "GB", "-1GB", "1e3MB", "ten", "1.2.3KB", "0", "5 PB"])
    func refusesSizes(_ text: String) {
        #expect(throws: SafeTensorsError.invalidShardSize(text: text)) { try ShardSize.parse(text) }
    }

    @Test("round trips at several shard sizes, with the index transformers writes",
          arguments: [1000, 1600, 2500, 10_000])
    func roundTrip(maxShardSize: Int) throws {
        let directory = try TemporaryDirectory()
        let tensors = Self.model()
        let result = try SafeTensorsWriter.writeSharded(tensors, to: directory.url, maxShardSize: maxShardSize)
        let totalSize = tensors.reduce(0) { $0 + $1.tensor.byteCount }
        #expect(result.totalSize == totalSize)
        let collection = try SafeTensorsCollection.open(directory.url)
        #expect(Set(collection.names) == Set(tensors.map(\.name)))
        for (name, tensor) in tensors { #expect(try collection.tensor(named: name) == tensor) }
        try collection.verify()
        for url in result.files {
            let shard = try SafeTensorsFile(contentsOf: url)
            #expect(shard.metadata == ["format": "pt"])
            let shardBytes = shard.tensors.reduce(0) { $0 + $1.byteCount }
            #expect(shardBytes <= maxShardSize || shard.tensors.count == 1)
        }
        if result.files.count == 1 {
            #expect(result.indexURL == nil)
            #expect(try files(in: directory) == ["model.safetensors"])
        } else {
            let count = String(format: "%05d", result.files.count)
            #expect(result.files.first?.lastPathComponent == "model-00001-of-\(count).safetensors")
            let indexURL = try #require(result.indexURL)
            let index = try ShardIndex(json: [UInt8](Data(contentsOf: indexURL)), file: indexURL.path)
            #expect(index.totalSize == totalSize)
            #expect(collection.metadata?["total_size"] == String(totalSize))
            #expect(index.weightMap.map(\.name) == tensors.map(\.name).sorted())
        }
    }

    @Test("greedy packing: a tensor over the maximum gets its own shard before the one being filled")
    func oversizedTensor() throws {
        let sizes = [300, 300, 5000, 300, 300]
        let entries = sizes.enumerated().map { SafeTensorsEntry(name: "t\($0.offset)", tensor: Tensor(zeros: [$0.element], dtype: .uint8)) }
        let shards = SafeTensorsWriter.planShards(entries, maxShardSize: 700)
        #expect(shards.map { $0.map(\.name) } == [["t2"], ["t0", "t1"], ["t3", "t4"]])
        let directory = try TemporaryDirectory()
        let result = try SafeTensorsWriter.writeSharded(entries: entries, to: directory.url, maxShardSize: 700)
        #expect(result.files.map(\.lastPathComponent) == (1...3).map { "model-0000\($0)-of-00003.safetensors" })
        let collection = try SafeTensorsCollection.open(try #require(result.indexURL))
        #expect(collection.shardURL(for: "t2")?.lastPathComponent == "model-00001-of-00003.safetensors")
        #expect(try collection.info(named: "t2").byteCount == 5000)
    }

    @Test("the index is byte-identical to json.dumps(indent=2, sort_keys=True)")
    func indexFormat() {
        let bytes = ShardIndexEncoder.encode(totalSize: 24, weightMap: [("b", "model-00002-of-00002.safetensors"),
                                                                        ("a\u{e9}\"", "model-00001-of-00002.safetensors")])
        let expected = """
        {
          "metadata": {
            "total_size": 24
          },
          "weight_map": {
            "a\\u00e9\\"": "model-00001-of-00002.safetensors",
            "b": "model-00002-of-00002.safetensors"
          }
        }

        """
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test("index errors name the files: listed twice, missing from its shard, not an index")
    func indexErrors() throws {
        let directory = try TemporaryDirectory()
        try SafeTensorsWriter.write(["a": Tensor([1] as [Float])], to: directory.file("one.safetensors"))
        try SafeTensorsWriter.write(["a": Tensor([2] as [Float]), "b": Tensor([3] as [Float])], to: directory.file("two.safetensors"))
        func index(_ text: String) throws -> URL {
            let url = directory.file("x.safetensors.index.json")
            try Data(text.utf8).write(to: url)
            return url
        }
        #expect(throws: SafeTensorsError.tensorListedTwice(tensor: "a", firstFile: "one.safetensors", secondFile: "two.safetensors")) {
            try SafeTensorsCollection(indexAt: try index(#"{"weight_map":{"a":"one.safetensors","a":"two.safetensors"}}"#))
        }
        let missing = try SafeTensorsCollection(indexAt: try index(#"{"weight_map":{"c":"one.safetensors"}}"#))
        #expect(throws: SafeTensorsError.tensorMissingFromShard(index: missing.indexURL!.path,
                                                                 shard: directory.file("one.safetensors").path, tensor: "c")) {
            try missing.tensor(named: "c")
        }
        let misplaced = try SafeTensorsCollection(indexAt: try index(#"{"weight_map":{"a":"one.safetensors","b":"two.safetensors"}}"#))
        #expect(throws: SafeTensorsError.tensorListedTwice(tensor: "a", firstFile: directory.file("one.safetensors").path,
                                                           secondFile: directory.file("two.safetensors").path)) {
            try misplaced.verify()
        }
        for bad in ["[]", #"{"metadata":{}}"#, #"{"weight_map":{"a":1}}"#, #"{"weight_map":{"a":"../x.safetensors"}}"#, "{"] {
            let url = try index(bad)
            do {
                _ = try SafeTensorsCollection(indexAt: url)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(caseName(error) == "invalidIndex")
            }
        }
        // Two plain files without an index holding the same name.
        try FileManager.default.removeItem(at: directory.file("x.safetensors.index.json"))
        #expect(throws: SafeTensorsError.self) { try SafeTensorsCollection.open(directory.url) }
    }

    @Test("open() takes a file, an index or a directory, and refuses a directory without either")
    func openAnyPath() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: SafeTensorsError.self) { try SafeTensorsCollection.open(directory.url) }
        #expect(throws: SafeTensorsError.self) { try SafeTensorsCollection.open(directory.file("absent")) }
        try SafeTensorsWriter.writeSharded(Self.model(), to: directory.url, maxShardSize: 100_000)
        let single = try SafeTensorsCollection.open(directory.file("model.safetensors"))
        #expect(single.indexURL == nil && single.names.count == 10)
        #expect(single.metadata == ["format": "pt"])
        #expect(try SafeTensorsCollection.open(directory.url).names.count == 10)
        #expect(throws: SafeTensorsError.self) { try single.tensor(named: "absent") }
    }
}
