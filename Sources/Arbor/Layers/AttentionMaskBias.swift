import ArborTensor

/// The additive bias an attention mask becomes: `[batch, 1, 1, time]`, 0 for
/// a real token and the lowest finite float for padding, added to the
/// attention scores before the softmax as transformers does (a finite value,
/// so a row with every key masked stays finite instead of becoming NaN).
/// `mask` is Int32/Int64 `[batch, time]` with 1 for a token and 0 for padding;
/// `layer` names the caller in precondition messages.
func attentionMaskBias(_ mask: Tensor, matching ids: Tensor, layer: String) -> Tensor {
    precondition(mask.shape == ids.shape, "\(layer): attention mask \(mask.shape) must match ids \(ids.shape)")
    let values: [Int] = switch mask.dtype {
    case .int32: mask.scalars(as: Int32.self).map(Int.init)
    case .int64: mask.scalars(as: Int64.self).map(Int.init)
    default: preconditionFailure("\(layer): the attention mask must be int32 or int64, got \(mask.dtype)")
    }
    return Tensor(values.map { $0 == 0 ? -Float.greatestFiniteMagnitude : 0 }, shape: [ids.shape[0], 1, 1, ids.shape[1]])
}
