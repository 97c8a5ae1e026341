extension StateDict {
    /// The state dict with its floating-point tensors converted to `dtype`:
    /// what `arbor convert --dtype`, a rule set's `cast` and a Hugging Face
    /// export at a chosen precision all do. Integer and bool tensors (token ids,
    /// masks, counters) keep their dtype, as `model.to(torch.bfloat16)` keeps them.
    ///
    /// `include` picks the entries to consider (all by default); `afterEach`
    /// sees every entry once it is done, in order (for progress).
    ///
    /// ```swift
    /// let half = try dict.castingFloatingPoint(to: .bfloat16)
    /// ```
    public func castingFloatingPoint(
        to dtype: DType, where include: (Element) -> Bool = { _ in true }, afterEach: ((Element) -> Void)? = nil
    ) throws(StateDictError) -> StateDict {
        try mapTensors { (entry: Element) throws(StateDictError) -> Tensor in
            var tensor = entry.tensor
            if tensor.dtype.isFloatingPoint, tensor.dtype != dtype, include(entry) {
                do throws(TensorError) { tensor = try tensor.converted(to: dtype) } catch {
                    throw .conversionFailed(name: entry.name, error)
                }
            }
            afterEach?((entry.name, tensor))
            return tensor
        }
    }
}
