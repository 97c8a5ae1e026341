import ArborTensor
import ArborTestSupport
import Foundation
import SafeTensors
import Testing

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
}
