import Arbor

/// The state saved at each step of `save-loop`: values derived from the step so
/// a test can recompute what any step must restore to.
public enum SaveLoopState {
    /// The state for `step`, with two tensors of `elements` elements.
    public static func make(step: Int, elements: Int) throws -> State {
        let base = Float(step)
        let a = Tensor((0..<elements).map { Float($0) * 0.5 + base }, shape: [elements])
        let b = Tensor((0..<elements).map { Int32(truncatingIfNeeded: $0 &* 31 &+ step) }, shape: [elements])
        let counter = Tensor(scalar: Int64(step))
        return try State(flat: [
            (Path(["layers", 0, "weight"]), VariableState(kind: .param, value: a)),
            (Path(["layers", 1, "weight"]), VariableState(kind: .param, value: b)),
            (Path(["step"]), VariableState(kind: .rngState, value: counter)),
        ])
    }
}
