import ArborTensor
import Foundation

/// The tensor and name work behind `StateDictRule.apply`, with errors that
/// name the rule set and rule.
struct RuleEngine {
    let ruleSet: String
    let index: Int
    let rank: Int?

    func applies(to tensor: Tensor) -> Bool { rank.map { $0 == tensor.rank } ?? true }

    func regex(_ pattern: String) throws(StateDictRuleError) -> NSRegularExpression {
        if let reason = RulePattern.backtrackingRisk(in: pattern) {
            throw .slowPattern(ruleSet: ruleSet, rule: index, pattern: pattern, reason: reason)
        }
        do { return try NSRegularExpression(pattern: pattern) } catch {
            throw .badPattern(ruleSet: ruleSet, rule: index, pattern: pattern)
        }
    }

    static func matches(_ regex: NSRegularExpression, _ name: String) -> Bool {
        regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    /// `pairs` as a state dict; a name produced twice is this rule's error
    /// naming both tensors it came from (`source`: the names before this rule).
    /// Checked after every rule, so two tensors can never merge at an
    /// intermediate step (say, renamed to one name and then fused) and leave
    /// one of them silently dropped. Names compare byte for byte (`ExactName`).
    func stateDict(_ pairs: [(source: String, element: StateDict.Element)]) throws(StateDictRuleError) -> StateDict {
        var result = StateDict()
        var sources: [ExactName: String] = [:]
        for (source, (name, tensor)) in pairs {
            if let first = sources.updateValue(source, forKey: ExactName(name)) {
                throw .nameCollision(ruleSet: ruleSet, rule: index, tensor: name, first: first, second: source)
            }
            do { try result.append(name: name, tensor: tensor) } catch { throw ruleError(error) }
        }
        return result
    }

    /// A state-dict error as this rule's error.
    func ruleError(_ error: StateDictError) -> StateDictRuleError {
        switch error {
        case let .duplicateName(name): .duplicateName(ruleSet: ruleSet, tensor: name)
        case let .conversionFailed(name, reason):
            .conversionFailed(ruleSet: ruleSet, rule: index, tensor: name, reason: String(describing: reason))
        }
    }

    func rename(_ tensors: StateDict, match: String, to template: String) throws(StateDictRuleError) -> StateDict {
        let regex = try regex(match)
        return try stateDict(tensors.map { entry in
            guard applies(to: entry.tensor) else { return (entry.name, entry) }
            let range = NSRange(entry.name.startIndex..., in: entry.name)
            return (entry.name, (regex.stringByReplacingMatches(in: entry.name, range: range, withTemplate: template), entry.tensor))
        })
    }

    func transpose(_ tensors: StateDict, match: String) throws(StateDictRuleError) -> StateDict {
        let regex = try regex(match)
        var result = tensors
        var positions: [Int] = []
        for position in result.indices
            where applies(to: result[position].tensor) && RuleEngine.matches(regex, result[position].name) {
            let tensor = result[position].tensor
            guard tensor.rank == 2, tensor.dtype.byteSize != nil else {
                throw .notTwoDimensional(ruleSet: ruleSet, rule: index, tensor: result[position].name, shape: tensor.shape)
            }
            positions.append(position)
        }
        let transposed = RuleEngine.transposeAll(positions.map { result[$0].tensor })
        for (position, tensor) in zip(positions, transposed) { result.setTensor(tensor, at: position) }
        return result
    }

    /// The transposes of `sources`, computed on every core when there is enough
    /// work (loading GPT-2 medium transposes 85% of its bytes here, and one core cannot
    /// keep up with the page faults and copies). Each mapped source's pages are
    /// released once copied, so a loaded model does not hold its `Conv1D`
    /// weights in memory twice (the file's pages and the transposed copy).
    /// Tensors on a gradient tape are done on the calling thread, because the
    /// tape is task-local and worker threads would not record the operation.
    static func transposeAll(_ sources: [Tensor]) -> [Tensor] {
        let bytes = sources.reduce(0) { $0 + $1.byteCount }
        guard sources.count > 1, bytes >= 1 << 20, sources.allSatisfy({ $0.traceMark == nil }) else {
            return sources.map(transposeReleasingSource)
        }
        let slots = ResultSlots(count: sources.count)
        DispatchQueue.concurrentPerform(iterations: sources.count) { item in
            slots.store(transposeReleasingSource(sources[item]), at: item)
        }
        return slots.results()
    }

    /// `tensor.transposed()`, then the source's mapped pages are released.
    private static func transposeReleasingSource(_ tensor: Tensor) -> Tensor {
        let result = tensor.transposed()
        tensor.storage.releaseResidentPages()
        return result
    }

    /// One result slot per item of a `concurrentPerform`; each iteration
    /// writes only its own slot, and they are read after all have finished.
    private final class ResultSlots: @unchecked Sendable {
        private let slots: UnsafeMutablePointer<Tensor?>
        private let count: Int

        init(count: Int) {
            self.count = count
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil, count: count)
        }

        func store(_ tensor: Tensor, at item: Int) { slots[item] = tensor }

        // Every slot was stored by its `concurrentPerform` iteration before this is called.
        func results() -> [Tensor] { (0..<count).map { slots[$0]! } }

        deinit {
            slots.deinitialize(count: count)
            slots.deallocate()
        }
    }

    func cast(_ tensors: StateDict, match: String, dtype: String) throws(StateDictRuleError) -> StateDict {
        let regex = try regex(match)
        guard let target = DType(parsing: dtype) else {
            throw .unknownDType(ruleSet: ruleSet, rule: index, dtype: dtype)
        }
        do {
            return try tensors.castingFloatingPoint(
                to: target, where: { applies(to: $0.tensor) && RuleEngine.matches(regex, $0.name) })
        } catch { throw ruleError(error) }
    }

    func split(_ tensors: StateDict, suffix: String, into parts: [String], axis: Int) throws(StateDictRuleError) -> StateDict {
        var result: [(source: String, element: StateDict.Element)] = []
        for entry in tensors {
            guard entry.name.hasSuffix(suffix), !parts.isEmpty else { result.append((entry.name, entry)); continue }
            let base = String(entry.name.dropLast(suffix.count))
            let shape = entry.tensor.shape
            guard axis >= 0, axis < shape.count, shape[axis] % parts.count == 0, entry.tensor.dtype.byteSize != nil else {
                throw .badSplit(ruleSet: ruleSet, rule: index, tensor: entry.name, shape: shape, axis: axis, parts: parts.count)
            }
            let size = shape[axis] / parts.count
            for (position, part) in parts.enumerated() {
                let slice = try slice(entry.tensor, axis: axis, start: position * size, count: size, name: entry.name)
                result.append((entry.name, (base + part, slice)))
            }
        }
        return try stateDict(result)
    }

    func fuse(_ tensors: StateDict, parts: [String], to whole: String, axis: Int) throws(StateDictRuleError) -> StateDict {
        guard let first = parts.first else { return tensors }
        // First find every group, so a part listed before its group's first part is
        // consumed too (not also kept on its own). Byte-exact names: `Set<String>`
        // would take "é" and "e\u{301}" for one name and drop a tensor.
        var groups: [ExactName: String] = [:]  // first part's name → base
        var consumedBy: [ExactName: String] = [:]  // part name → the fused name it goes into
        for entry in tensors where entry.name.hasSuffix(first) {
            let base = String(entry.name.dropLast(first.count))
            guard consumedBy[ExactName(entry.name)] == nil else { continue }
            for part in parts {
                guard tensors[base + part] != nil else {
                    throw .missingFusePart(ruleSet: ruleSet, rule: index, tensor: base + whole, part: base + part)
                }
                if let other = consumedBy.updateValue(base + whole, forKey: ExactName(base + part)) {
                    throw .nameCollision(ruleSet: ruleSet, rule: index, tensor: base + part, first: other, second: base + whole)
                }
            }
            groups[ExactName(entry.name)] = base
        }
        var result: [(source: String, element: StateDict.Element)] = []
        for entry in tensors {
            if let base = groups[ExactName(entry.name)] {
                var pieces: [Tensor] = []
                for part in parts {
                    if let piece = tensors[base + part] { pieces.append(piece) }
                }
                let source = parts.map { base + $0 }.joined(separator: " + ")
                result.append((source, (base + whole, try concatenate(pieces, axis: axis, name: base + whole))))
            } else if consumedBy[ExactName(entry.name)] == nil {
                result.append((entry.name, entry))
            }
        }
        return try stateDict(result)
    }

    /// Rows `start..<start+count` of `tensor` along `axis`, as a new tensor.
    private func slice(_ tensor: Tensor, axis: Int, start: Int, count: Int, name: String) throws(StateDictRuleError) -> Tensor {
        var shape = tensor.shape
        shape[axis] = count
        // An empty tensor may declare absurd other dimensions (`[0, 2^63-1]` is a valid
        // safetensors shape): it has no bytes, and its row size is never computed.
        if tensor.elementCount == 0 { return try make(shape: shape, dtype: tensor.dtype, bytes: [], name: name) }
        let width = tensor.dtype.byteSize ?? 1
        // Products of a non-empty tensor's dimensions: bounded by its byte count, no overflow.
        let inner = shape[(axis + 1)...].reduce(1, *) * width
        let outer = shape[..<axis].reduce(1, *)
        let full = tensor.shape[axis]
        var bytes = [UInt8](repeating: 0, count: outer * count * inner)
        tensor.withUnsafeBytes { source in
            for o in 0..<outer {
                for b in 0..<(count * inner) {
                    bytes[o * count * inner + b] = source[(o * full + start) * inner + b]
                }
            }
        }
        return try make(shape: shape, dtype: tensor.dtype, bytes: bytes, name: name)
    }

    /// `pieces` joined along `axis` (all other dimensions must agree).
    private func concatenate(_ pieces: [Tensor], axis: Int, name: String) throws(StateDictRuleError) -> Tensor {
        let first = pieces[0]
        let width = first.dtype.byteSize ?? 1
        for piece in pieces {
            var a = piece.shape, b = first.shape
            guard a.count == b.count, axis >= 0, axis < a.count, piece.dtype == first.dtype else {
                throw .badSplit(ruleSet: ruleSet, rule: index, tensor: name, shape: piece.shape, axis: axis, parts: pieces.count)
            }
            a[axis] = 0; b[axis] = 0
            if a != b { throw .badSplit(ruleSet: ruleSet, rule: index, tensor: name, shape: piece.shape, axis: axis, parts: pieces.count) }
        }
        var shape = first.shape
        shape[axis] = 0
        for piece in pieces {
            // Empty pieces may declare any length along the axis: the sum is checked.
            let (sum, overflow) = shape[axis].addingReportingOverflow(piece.shape[axis])
            if overflow { throw .badSplit(ruleSet: ruleSet, rule: index, tensor: name, shape: piece.shape, axis: axis, parts: pieces.count) }
            shape[axis] = sum
        }
        // Empty pieces (see `slice`): no bytes, and no row size to compute.
        if pieces.allSatisfy({ $0.elementCount == 0 }) {
            guard Tensor.checkedElementCount(of: shape) == 0 else {
                throw .badSplit(ruleSet: ruleSet, rule: index, tensor: name, shape: shape, axis: axis, parts: pieces.count)
            }
            return try make(shape: shape, dtype: first.dtype, bytes: [], name: name)
        }
        // Products of a non-empty piece's dimensions: bounded by its byte count, no overflow.
        let inner = first.shape[(axis + 1)...].reduce(1, *) * width
        let outer = first.shape[..<axis].reduce(1, *)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(outer * shape[axis] * inner)
        for o in 0..<outer {
            for piece in pieces {
                let rowBytes = piece.shape[axis] * inner
                piece.withUnsafeBytes { source in
                    bytes.append(contentsOf: source[(o * rowBytes)..<((o + 1) * rowBytes)])
                }
            }
        }
        return try make(shape: shape, dtype: first.dtype, bytes: bytes, name: name)
    }

    private func make(shape: [Int], dtype: DType, bytes: [UInt8], name: String) throws(StateDictRuleError) -> Tensor {
        do {
            return try bytes.withUnsafeBytes { raw throws(TensorError) in try Tensor(shape: shape, dtype: dtype, copying: raw) }
        } catch {
            throw .conversionFailed(ruleSet: ruleSet, rule: index, tensor: name, reason: String(describing: error))
        }
    }
}
