import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing
@testable import ArborCLI

/// `arbor diff`: exit status 0 identical / 1 different / 2 error, table and JSON.
@Suite struct DiffCommandTests {
    @Test func identicalLayoutsDifferOnlyInFiles() throws {
        let run = try ArborExecutable.run(["diff", Fixtures.url("gpt2/single").path, Fixtures.url("gpt2/sharded").path])
        #expect(run.status == 0)
        #expect(run.stdout == "identical: 28 tensors\n")
    }

    @Test func reportsValuesShapesDtypesAndOneSidedNames() throws {
        let temp = try TemporaryDirectory()
        let a = temp.file("a.safetensors"), b = temp.file("b.safetensors")
        try SafeTensorsWriter.write(["same": Tensor([Float(1), 2], shape: [2]), "vals": Tensor([Float(1), 2], shape: [2]),
                                     "shape": Tensor([Float(1), 2], shape: [2]), "onlyA": Tensor([Float(1)], shape: [1])], to: a)
        try SafeTensorsWriter.write(["same": Tensor([Float(1), 2], shape: [2]), "vals": Tensor([Float(1), 2.5], shape: [2]),
                                     "shape": Tensor([Float(1), 2], shape: [1, 2]), "onlyB": Tensor([Int32(1)], shape: [1])], to: b)
        let run = try ArborExecutable.run(["diff", a.path, b.path])
        #expect(run.status == 1)
        #expect(run.stdout == """
        tensor  status     A        B           max abs  max rel
        ------  ---------  -------  ----------  -------  -------
        onlyA   only in a  F32 [1]  -                 -        -
        onlyB   only in b  -        I32 [1]           -        -
        shape   shape      F32 [2]  F32 [1, 2]        -        -
        vals    values     F32 [2]  F32 [2]         0.5      0.2
        4 of 5 tensors differ (1 only in A, 1 only in B)

        """)
        let json = try ArborExecutable.run(["diff", a.path, b.path, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["identical"] as? Bool == false)
        let within = try ArborExecutable.run(["diff", a.path, b.path, "--atol", "1"])
        #expect(within.stdout.contains("vals") == false)
    }

    @Test func unreadableSideExitsTwo() throws {
        let temp = try TemporaryDirectory()
        let run = try ArborExecutable.run(["diff", temp.file("missing.safetensors").path, Fixtures.url("gpt2/single").path])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("arbor: "))
    }

    /// inf/-inf/NaN differences made `--json` print an EncodingError (exit 1):
    /// now valid JSON with the strings "inf"/"nan", and exit 1 for "different".
    @Test func nonFiniteDifferencesAreValidJSON() throws {
        let temp = try TemporaryDirectory()
        let a = temp.file("a.safetensors"), b = temp.file("b.safetensors")
        try SafeTensorsWriter.write(["x": Tensor([Float.infinity, 1, 2], shape: [3]), "y": Tensor([Float(1)], shape: [1])], to: a)
        try SafeTensorsWriter.write(["x": Tensor([-Float.infinity, 1, 2], shape: [3]), "y": Tensor([Float.nan], shape: [1])], to: b)
        let run = try ArborExecutable.run(["diff", a.path, b.path, "--json"])
        #expect(run.status == 1, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.first { $0["name"] as? String == "x" }?["max_abs"] as? String == "inf")
        #expect(tensors.first { $0["name"] as? String == "y" }?["max_abs"] as? String == "inf")
        let table = try ArborExecutable.run(["diff", a.path, b.path])
        #expect(table.status == 1)
        #expect(table.stdout.contains("inf"))
    }

    /// `--atol nan` reported different files as identical; NaN and negative
    /// tolerances are refused with diff's error code, 2.
    @Test func nanAndNegativeTolerancesAreRefused() throws {
        let temp = try TemporaryDirectory()
        let a = temp.file("a.safetensors"), b = temp.file("b.safetensors")
        try SafeTensorsWriter.write(["x": Tensor([Float(1)], shape: [1])], to: a)
        try SafeTensorsWriter.write(["x": Tensor([Float(100)], shape: [1])], to: b)
        for value in ["nan", "-1"] {
            let run = try ArborExecutable.run(["diff", a.path, b.path, "--atol=\(value)"])
            #expect(run.status == 2, "\(value): \(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains("--atol"))
        }
        #expect(try ArborExecutable.run(["diff", a.path, b.path, "--atol", "99"]).status == 0)
    }

    /// A tensor name holding terminal escapes retitled and cleared the
    /// terminal; the table now shows them escaped, JSON keeps them exact.
    @Test func controlCharactersInNamesAreEscapedInTheTable() throws {
        let temp = try TemporaryDirectory()
        let a = temp.file("a.safetensors"), b = temp.file("b.safetensors")
        let hostile = "w\u{1B}]0;pwned\u{07}\u{1B}[2J"
        try SafeTensorsWriter.write([hostile: Tensor([Float(1)], shape: [1])], to: a)
        try SafeTensorsWriter.write([hostile: Tensor([Float(2)], shape: [1])], to: b)
        let run = try ArborExecutable.run(["diff", a.path, b.path])
        #expect(run.status == 1)
        #expect(!run.stdout.contains("\u{1B}") && !run.stdout.contains("\u{07}"))
        #expect(run.stdout.contains(#"w\u{1B}]0;pwned\u{7}\u{1B}[2J"#), "\(run.stdout)")
        let json = try ArborExecutable.run(["diff", a.path, b.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["tensors"] as? [[String: Any]])?.first?["name"] as? String == hostile)
    }

    /// Tensors far larger than a chunk compare chunk by chunk with the same
    /// figures as comparing whole: the difference is found in the last chunk.
    @Test func chunkedComparisonFindsDifferencesAnywhere() throws {
        let count = TensorDiff.chunkElements * 3 + 7
        var values = [Float](repeating: 1, count: count)
        let x = Tensor(values, shape: [count])
        values[count - 1] = 3
        let entry = try TensorDiff.compare(name: "t", x, Tensor(values, shape: [count]), atol: 0)
        #expect(entry.status == "values" && entry.maxAbs == 2)
        let mixed = try TensorDiff.compare(name: "t", x, try x.converted(to: .bfloat16), atol: 0)
        #expect(mixed.status == "dtype" && mixed.maxAbs == 0)
        #expect(try TensorDiff.compare(name: "t", x, x, atol: 0).status == "same")
    }
}

