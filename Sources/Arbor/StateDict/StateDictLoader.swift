import ArborTensor
import Foundation

/// Loads a flat dotted-name → tensor dict into a model's `State` (from
/// `Graph.state(model)`), checking every key, shape and dtype at once.
///
/// ```swift
/// let target = try Graph.state(model)
/// let mapped = try StateDictRules.flax.apply(fileTensors)
/// let (state, _) = try StateDictLoader(strict: true).load(mapped, into: target, source: "model.safetensors")
/// try Graph.update(model, state)
/// ```
public struct StateDictLoader: Sendable {
    /// Throw on any missing or unexpected key or dtype difference (shape
    /// differences always throw).
    public var strict: Bool
    /// Convert floating-point tensors to the model's float dtype instead of
    /// reporting a dtype mismatch (bf16/f16 files into an f32 model).
    public var castFloats: Bool
    /// Names (dotted, model side) that may be absent: non-persistent buffers,
    /// tied aliases. Never reported missing or unexpected.
    public var ignored: Set<String>

    /// Makes a loader.
    public init(strict: Bool = true, castFloats: Bool = true, ignored: Set<String> = []) {
        self.strict = strict
        self.castFloats = castFloats
        self.ignored = ignored
    }

    /// Returns `target` with every matching leaf replaced by the dict's tensor,
    /// and the report. Lenient loading keeps the target's value for missing keys.
    public func load(_ tensors: StateDict, into target: State, source: String = "")
        throws(StateDictLoadError) -> (state: State, report: StateDictLoadReport) {
        var report = StateDictLoadReport()
        var leaves = target.leaves
        var known = Set<String>()
        for (position, path) in target.paths.enumerated() {
            let name = path.dotted
            known.insert(name)
            let expected = leaves[position].value
            guard let tensor = tensors[name] else {
                if !ignored.contains(name) { report.missing.append(name) }
                continue
            }
            var value = tensor
            if value.dtype != expected.dtype, castFloats, value.dtype.isFloatingPoint, expected.dtype.isFloatingPoint,
               let converted = try? value.converted(to: expected.dtype) {
                value = converted
            }
            if value.shape != expected.shape || value.dtype != expected.dtype {
                report.mismatched.append(.init(name: name, expectedShape: expected.shape, expectedDType: expected.dtype,
                                               shape: tensor.shape, dtype: tensor.dtype))
                continue
            }
            leaves[position].value = value
        }
        report.unexpected = tensors.map(\.name).filter { !known.contains($0) && !ignored.contains($0) }.sorted()
        report.missing.sort()
        report.mismatched.sort { $0.name < $1.name }
        if !report.unexpected.isEmpty {
            let missingPaths = report.missing.map { Path([.name($0)]) }
            let finder = NearMissFinder(candidates: missingPaths)
            for name in report.unexpected {
                if let near = finder.nearest(to: Path([.name(name)])) { report.suggestions[name] = near.path.keys[0].text }
            }
        }
        let hasShapeError = report.mismatched.contains(where: \.isShapeMismatch)
        if hasShapeError || (strict && !report.isClean) {
            throw StateDictLoadError(report: report, source: source)
        }
        return (State(sortedPaths: target.paths, leaves: leaves), report)
    }
}
