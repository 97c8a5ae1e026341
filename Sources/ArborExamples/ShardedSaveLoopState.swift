import Arbor
import ArborTensor

/// The whole state saved at each step of `sharded-save-loop`: a row-sharded
/// parameter and a replicated one, derived from the step.
public enum ShardedSaveLoopState {
    /// The state of `step`: the weight counts up from the step, the bias mixes it in.
    public static func make(step: Int, rows: Int) throws -> State {
        let columns = 256
        let weight = Tensor((0..<(rows * columns)).map { Float($0) * 0.25 + Float(step) }, shape: [rows, columns])
        let bias = Tensor((0..<columns).map { Int32(truncatingIfNeeded: $0 &* 31 &+ step) }, shape: [columns])
        return try State(flat: [
            (Path(["layers", 0, "weight"]), VariableState(kind: .param, value: weight,
                                                          metadata: VariableMetadata(sharding: ["fsdp", nil]))),
            (Path(["layers", 0, "bias"]), VariableState(kind: .param, value: bias)),
        ])
    }
}
