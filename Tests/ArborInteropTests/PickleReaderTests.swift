@testable import ArborInterop
import Testing

/// The pickle virtual machine on hand-written streams: what it builds, and
/// what it refuses (by opcode and byte offset).
@Suite struct PickleReaderTests {
    private func run(_ bytes: [UInt8], limits: PickleReader.Limits = .init()) throws -> PickleValue {
        try bytes.withUnsafeBytes { raw in
            var reader = PickleReader(bytes: raw, file: "p.pkl", limits: limits)
            return try reader.read()
        }
    }

    private func pickle(_ body: String) -> [UInt8] { [0x80, 2] + Array(body.utf8) + [0x2E] }

    @Test func readsPrimitivesInADict() throws {
        // {"a": 1, "b": -2, "c": 300, "d": -70000, "e": 2**40, "f": 1.5, "g": True, "h": None}
        var body: [UInt8] = [0x7D, 0x71, 0x00, 0x28]
        body += [0x8C, 1, 0x61, 0x4B, 1]
        body += [0x8C, 1, 0x62, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF]
        body += [0x8C, 1, 0x63, 0x4D, 0x2C, 0x01]
        body += [0x8C, 1, 0x64, 0x8A, 3, 0x90, 0xEE, 0xFE]
        body += [0x8C, 1, 0x65, 0x8A, 6, 0, 0, 0, 0, 0, 1]
        body += [0x8C, 1, 0x66, 0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]
        body += [0x8C, 1, 0x67, 0x88, 0x8C, 1, 0x68, 0x4E, 0x75]
        let value = try run([0x80, 2, 0x95, 0, 0, 0, 0, 0, 0, 0, 0] + body + [0x2E])
        guard case let .dict(pairs, _) = value else { Issue.record("not a dict: \(value.kind)"); return }
        let rendered = pairs.map { pair -> String in
            guard case let .string(key) = pair.key else { return "?" }
            switch pair.value {
            case let .int(n): return "\(key)=\(n)"
            case let .float(x): return "\(key)=\(x)"
            case let .bool(b): return "\(key)=\(b)"
            case .none: return "\(key)=None"
            default: return "\(key)=?"
            }
        }
        #expect(rendered == ["a=1", "b=-2", "c=300", "d=-70000", "e=1099511627776", "f=1.5", "g=true", "h=None"])
    }

    @Test func memoizedValuesComeBack() throws {
        // (x, x) where x = "hi", through BINPUT/BINGET and MEMOIZE/LONG_BINGET.
        let value = try run([0x80, 4, 0x8C, 2, 0x68, 0x69, 0x94, 0x6A, 0, 0, 0, 0, 0x86, 0x2E])
        guard case let .tuple(items, _) = value, items.count == 2, case .string("hi") = items[1] else {
            Issue.record("got \(value.kind)"); return
        }
    }

    @Test func refusesGlobalsOutsideTheAllowList() {
        #expect(throws: PyTorchFileError.refused(file: "p.pkl", opcode: "GLOBAL", offset: 2, global: "os.system",
            reason: "only torch's tensor-rebuild functions, storage types, dtypes and collections.OrderedDict may be named "
                + "in a state dict; loading this with torch.load would run os.system")) {
            try run(pickle("cos\nsystem\n"))
        }
        for name in ["torch\nload", "torch._utils\n_rebuild_qtensor", "collections\ndefaultdict", "torch\nStorage"] {
            #expect(throws: PyTorchFileError.self, "\(name)") { try run(pickle("c\(name)\n")) }
        }
    }

    @Test(arguments: [(UInt8(0x69), "INST"), (0x6F, "OBJ"), (0x81, "NEWOBJ"), (0x92, "NEWOBJ_EX"), (0x82, "EXT1"),
                      (0x50, "PERSID"), (0x53, "STRING"), (0xFF, "0xFF")])
    func refusesOpcodes(code: UInt8, name: String) {
        do {
            _ = try run([0x80, 2, 0x29, code, 0, 0, 0, 0, 0x2E])
            Issue.record("\(name) accepted")
        } catch {
            guard case let .refused(_, opcode, offset, _, _) = error as? PyTorchFileError else { Issue.record("\(error)"); return }
            #expect(opcode == name)
            #expect(offset == 3)
        }
    }

    @Test func reduceOnlyCallsAllowedFunctions() {
        // OrderedDict() is fine; OrderedDict with arguments, or calling a string, is not.
        #expect(throws: Never.self) { try run(pickle("ccollections\nOrderedDict\n)R")) }
        #expect(throws: PyTorchFileError.self) { try run(pickle("ccollections\nOrderedDict\n]\u{85}R")) }
        #expect(throws: PyTorchFileError.self) { try run([0x80, 2, 0x8C, 1, 0x78, 0x29, 0x52, 0x2E]) }
    }

    @Test func persistentIdsMustBeTorchStorages() throws {
        // ('storage', torch.FloatStorage, '0', 'cpu', 4)
        var ok: [UInt8] = [0x80, 2, 0x28, 0x8C, 7] + Array("storage".utf8) + Array("ctorch\nFloatStorage\n".utf8)
        ok += [0x8C, 1, 0x30, 0x8C, 3] + Array("cpu".utf8) + [0x4B, 4, 0x74, 0x51, 0x2E]
        guard case let .storage(storage) = try run(ok) else { Issue.record("no storage"); return }
        #expect(storage == PyTorchStorage(key: "0", dtype: .float32, elementCount: 4))
        #expect(throws: PyTorchFileError.self) { try run([0x80, 2, 0x4B, 1, 0x85, 0x51, 0x2E]) }
    }

    @Test func limitsAreEnforced() {
        var limits = PickleReader.Limits()
        limits.stack = 10
        #expect(throws: PyTorchFileError.self) { try run([0x80, 2] + Array(repeating: 0x4E, count: 11) + [0x2E], limits: limits) }
        // 100 nested tuples built without MARK.
        #expect(throws: PyTorchFileError.self) { try run([0x80, 2, 0x29] + Array(repeating: 0x85, count: 100) + [0x2E]) }
        // A dict memoized and grown over and over costs quadratic copying: cut off.
        limits = PickleReader.Limits()
        limits.work = 1_000_000
        var grow: [UInt8] = [0x80, 2, 0x7D]
        for index in 0..<20_000 { grow += [0x71, 0, 0x4D, UInt8(index & 0xFF), UInt8(index >> 8), 0x4E, 0x73] }
        #expect(throws: PyTorchFileError.self) { try run(grow + [0x2E], limits: limits) }
    }

    @Test func malformedStreamsAreErrors() {
        for bytes: [UInt8] in [[], [0x80], [0x80, 2], [0x80, 2, 0x74, 0x2E], [0x80, 2, 0x4E, 0x4E, 0x2E], [0x80, 2, 0x68, 5, 0x2E],
                               [0x80, 2, 0x58, 0xFF, 0xFF, 0xFF, 0x7F], [0x80, 2, 0x4E, 0x73, 0x2E], [0x80, 9, 0x4E, 0x2E]] {
            #expect(throws: PyTorchFileError.self, "\(bytes)") { try run(bytes) }
        }
    }
}
