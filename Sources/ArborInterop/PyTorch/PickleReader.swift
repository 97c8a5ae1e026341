/// A pickle virtual machine that understands only what `torch.save` writes
/// for a state dict, and refuses everything else before it can matter.
///
/// Python's `pickle.load` calls any function a stream names (`os.system`,
/// `builtins.eval`), which is why loading an untrusted `pytorch_model.bin`
/// with it runs code. This reader never calls anything: `GLOBAL` may only
/// name the handful of torch and `collections` objects in `PickleGlobal`,
/// `REDUCE` may only apply those to arguments of the expected shape (it
/// builds the tensor record itself), persistent ids must be torch's storage
/// tuples, and every other object-building opcode (`INST`, `OBJ`, `NEWOBJ`,
/// `EXT*`, `PERSID`, …) is refused. A refusal is a
/// `PyTorchFileError.refused` naming the opcode, its byte offset and the
/// global involved.
///
/// It is bounded: stack, mark stack, memo and container depth have limits,
/// values are never walked recursively, and each opcode does work
/// proportional to its own operands, so any stream runs in time linear in
/// its length.
///
/// ```swift
/// let root = try PickleReader(bytes: pickleBytes, file: "pytorch_model.bin").read()
/// ```
struct PickleReader {
    /// Bounds on what a stream may build.
    struct Limits: Sendable {
        /// Values on the stack at once.
        var stack = 1 << 20
        /// Open `MARK`s at once.
        var marks = 1 << 12
        /// Memo entries.
        var memo = 1 << 22
        /// Container nesting.
        var depth = 64
        /// Bytes of one string.
        var string = 1 << 24
        /// Container elements that updates after a memo operation may copy (see `charge`).
        var work = 1 << 27
    }

    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private let limits: Limits
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Offset of the opcode being run, for errors.
    private var opcodeOffset = 0
    private var opcodeName = ""
    /// Elements container updates have touched, against `workLimit`.
    private var work = 0
    private var workLimit: Int { limits.work }
    /// Whether a memo operation ran since the last container update (so the
    /// container updated next may be shared with the memo and copied).
    private var memoTouched = false

    init(bytes: UnsafeRawBufferPointer, file: String, limits: Limits = Limits()) {
        self.bytes = bytes
        self.file = file
        self.limits = limits
    }

    /// Runs the stream to `STOP` and returns the value it leaves.
    mutating func read() throws(PyTorchFileError) -> PickleValue {
        while true {
            opcodeOffset = position
            let code = try byte()
            opcodeName = PickleOpcode.name(code)
            switch code {
            case 0x80: // PROTO
                let version = try byte()
                guard version <= 5 else { throw malformed("protocol \(version) is newer than pickle's 5") }
            case 0x95: _ = try integer(8, signed: false) // FRAME: a length hint; frames need no handling here
            case 0x2E: // STOP
                guard stack.count == 1, marks.isEmpty else {
                    throw malformed("STOP with \(stack.count) values on the stack and \(marks.count) open marks")
                }
                return stack[0]
            case 0x7D: try push(.dict([], depth: 1))        // EMPTY_DICT
            case 0x5D: try push(.list([], depth: 1))        // EMPTY_LIST
            case 0x29: try push(.tuple([], depth: 1))       // EMPTY_TUPLE
            case 0x28: // MARK
                guard marks.count < limits.marks else { throw malformed("more than \(limits.marks) open marks") }
                marks.append(stack.count)
            case 0x4E: try push(.none)                      // NONE
            case 0x88: try push(.bool(true))                // NEWTRUE
            case 0x89: try push(.bool(false))               // NEWFALSE
            case 0x4B: try push(.int(try integer(1, signed: false)))  // BININT1
            case 0x4D: try push(.int(try integer(2, signed: false)))  // BININT2
            case 0x4A: try push(.int(try integer(4, signed: true)))   // BININT
            case 0x8A: // LONG1
                let count = try byte()
                guard count <= 8 else { throw malformed("LONG1 of \(count) bytes does not fit 64 bits") }
                try push(.int(count == 0 ? 0 : try integer(Int(count), signed: true)))
            case 0x47: // BINFLOAT (big-endian)
                let raw = try integer(8, signed: false, bigEndian: true)
                try push(.float(Double(bitPattern: UInt64(UInt(bitPattern: raw)))))
            case 0x58: try push(.string(try text(count: try integer(4, signed: false))))   // BINUNICODE
            case 0x8C: try push(.string(try text(count: Int(try byte()))))                 // SHORT_BINUNICODE
            case 0x8D: try push(.string(try text(count: try integer(8, signed: false))))   // BINUNICODE8
            case 0x85: try push(.makeTuple(try popCount(1)))   // TUPLE1
            case 0x86: try push(.makeTuple(try popCount(2)))   // TUPLE2
            case 0x87: try push(.makeTuple(try popCount(3)))   // TUPLE3
            case 0x74: try push(.makeTuple(try popMark()))     // TUPLE
            case 0x73: // SETITEM
                let items = try popCount(2)
                try addItems(items)
            case 0x75: try addItems(try popMark())             // SETITEMS
            case 0x61: try append(try popCount(1))             // APPEND
            case 0x65: try append(try popMark())               // APPENDS
            case 0x71: try put(Int(try byte()))                // BINPUT
            case 0x72: try put(try integer(4, signed: false))  // LONG_BINPUT
            case 0x94: try put(memo.count)                     // MEMOIZE
            case 0x68: try get(Int(try byte()))                // BINGET
            case 0x6A: try get(try integer(4, signed: false))  // LONG_BINGET
            case 0x63: // GLOBAL: "module\nname\n"
                let module = try line()
                let name = try line()
                try push(.global(try allowedGlobal(module: module, name: name)))
            case 0x93: // STACK_GLOBAL
                let parts = try popCount(2)
                guard case let .string(module) = parts[0], case let .string(name) = parts[1] else {
                    throw malformed("STACK_GLOBAL needs two strings, found \(parts[0].kind) and \(parts[1].kind)")
                }
                try push(.global(try allowedGlobal(module: module, name: name)))
            case 0x52: // REDUCE
                let parts = try popCount(2)
                try push(try reduce(parts[0], parts[1]))
            case 0x51: // BINPERSID
                let id = try popCount(1)[0]
                try push(try persistentLoad(id))
            case 0x62: // BUILD
                let parts = try popCount(2)
                try push(try build(parts[0], state: parts[1]))
            default:
                throw refused(PickleOpcode.refusalReason(code))
            }
        }
    }

    // MARK: - Operands

    private mutating func byte() throws(PyTorchFileError) -> UInt8 {
        guard position < bytes.count else { throw truncated() }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian (or big-endian) integer of `count` ≤ 8 bytes.
    private mutating func integer(_ count: Int, signed: Bool, bigEndian: Bool = false) throws(PyTorchFileError) -> Int {
        guard count <= bytes.count - position else { throw truncated() }
        var value: UInt64 = 0
        for index in 0..<count {
            let byte = UInt64(bytes[position + (bigEndian ? index : count - 1 - index)])
            value = value << 8 | byte
        }
        position += count
        if signed, count < 8, value & (1 << (8 * UInt64(count) - 1)) != 0 {
            value |= ~0 << (8 * UInt64(count))  // sign-extend
        }
        if signed || bigEndian { return Int(truncatingIfNeeded: value) }
        guard let result = Int(exactly: value) else { throw malformed("length \(value) does not fit") }
        return result
    }

    private mutating func text(count: Int) throws(PyTorchFileError) -> String {
        guard count <= limits.string else { throw malformed("a string of \(count) bytes is over the \(limits.string)-byte limit") }
        guard count <= bytes.count - position else { throw truncated() }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        position += count
        guard let string = String(validating: slice, as: UTF8.self) else { throw malformed("a string is not valid UTF-8") }
        return string
    }

    /// A newline-terminated ASCII line (`GLOBAL`'s operands), at most 256 bytes.
    private mutating func line() throws(PyTorchFileError) -> String {
        var end = position
        while end < bytes.count, bytes[end] != 0x0A {
            end += 1
            guard end - position <= 256 else { throw malformed("GLOBAL name longer than 256 bytes") }
        }
        guard end < bytes.count else { throw truncated() }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
        position = end + 1
        return String(decoding: slice, as: UTF8.self)
    }

    // MARK: - Stack

    private mutating func push(_ value: PickleValue) throws(PyTorchFileError) {
        guard stack.count < limits.stack else { throw malformed("more than \(limits.stack) values on the stack") }
        guard value.depth <= limits.depth else { throw malformed("values nested deeper than \(limits.depth) levels") }
        stack.append(value)
    }

    private mutating func popCount(_ count: Int) throws(PyTorchFileError) -> [PickleValue] {
        let floor = marks.last ?? 0
        guard stack.count - floor >= count else { throw malformed("needs \(count) values on the stack, has \(stack.count - floor)") }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private mutating func popMark() throws(PyTorchFileError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func addItems(_ items: [PickleValue]) throws(PyTorchFileError) {
        guard items.count % 2 == 0 else { throw malformed("an odd number of values for key/value pairs") }
        guard stack.count > (marks.last ?? 0), case .dict(var pairs, var depth) = stack.removeLast() else {
            throw malformed("SETITEM(S) on something that is not a dict")
        }
        try charge(pairs.count + items.count)
        for index in stride(from: 0, to: items.count, by: 2) {
            let key = items[index]
            switch key {
            case .string, .int, .bool, .none, .float: break
            default: throw malformed("a dict key of type \(key.kind)")
            }
            pairs.append((key, items[index + 1]))
            depth = max(depth, 1 + items[index + 1].depth)
        }
        try push(.dict(pairs, depth: depth))
    }

    private mutating func append(_ items: [PickleValue]) throws(PyTorchFileError) {
        guard stack.count > (marks.last ?? 0), case .list(var elements, var depth) = stack.removeLast() else {
            throw malformed("APPEND(S) on something that is not a list")
        }
        try charge(elements.count + items.count)
        for item in items { depth = max(depth, 1 + item.depth) }
        elements.append(contentsOf: items)
        try push(.list(elements, depth: depth))
    }

    /// Counts the elements a container update may copy (a memoized container
    /// is copied on its next update), so a stream that memoizes and grows
    /// one dict over and over fails fast instead of taking quadratic time.
    private mutating func charge(_ elements: Int) throws(PyTorchFileError) {
        guard memoTouched else { return }
        memoTouched = false
        work += elements
        guard work <= workLimit else {
            throw malformed("container updates copy more than \(workLimit) elements; a state dict needs far fewer")
        }
    }

    private mutating func put(_ index: Int) throws(PyTorchFileError) {
        guard let top = stack.last, stack.count > (marks.last ?? 0) else { throw malformed("nothing on the stack to memoize") }
        guard memo.count < limits.memo || memo[index] != nil else { throw malformed("more than \(limits.memo) memo entries") }
        memo[index] = top
        memoTouched = true
    }

    private mutating func get(_ index: Int) throws(PyTorchFileError) {
        guard let value = memo[index] else { throw malformed("memo entry \(index) was never stored") }
        memoTouched = true
        try push(value)
    }

    // MARK: - Errors

    func refused(_ reason: String, global: String? = nil) -> PyTorchFileError {
        .refused(file: file, opcode: opcodeName, offset: opcodeOffset, global: global, reason: reason)
    }

    func malformed(_ reason: String) -> PyTorchFileError {
        .badPickle(file: file, opcode: opcodeName, offset: opcodeOffset, reason: reason)
    }

    private func truncated() -> PyTorchFileError {
        .badPickle(file: file, opcode: opcodeName, offset: opcodeOffset, reason: "the stream ends inside this opcode (truncated file?)")
    }
}
