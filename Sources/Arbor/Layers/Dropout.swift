import ArborTensor

/// Zeroes each element with probability `rate` in training and scales the rest
/// by `1/(1−rate)`; the identity in evaluation.
///
/// Its `rng` variable (`RngState`, UInt32 `[4]`: key words, then a 64-bit call
/// counter) is state: each call draws from `key.fold(in: counter)` and bumps the
/// counter, so a model restored from a checkpoint continues the same stream.
public final class Dropout: Layer, TrainingModeSettable {
    /// The drop probability.
    public let rate: Double
    /// `[key0, key1, counterLow, counterHigh]`.
    public let rng: RngState
    /// `true`: random masks; `false`: identity.
    public var isTraining = true

    /// Dropout with `rate` in `[0, 1)`, drawing from `key`.
    public init(rate: Double, key: RandomKey) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
        rng = RngState(Tensor([key.key0, key.key1, 0, 0] as [UInt32]))
    }

    /// The key of the next call and the advanced counter.
    private func nextKey() -> RandomKey {
        let words = rng.value.scalars(as: UInt32.self)
        precondition(words.count == 4, "Dropout: rng state must be UInt32 [4], got \(rng.value)")
        let counter = UInt64(words[3]) << 32 | UInt64(words[2])
        let next = counter &+ 1
        rng.value = Tensor([words[0], words[1], UInt32(truncatingIfNeeded: next), UInt32(truncatingIfNeeded: next >> 32)])
        return RandomKey(key0: words[0], key1: words[1]).fold(in: counter)
    }

    /// Applies dropout.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, rate > 0 else { return input }
        do {
            let keep = try Tensor.bernoulli(p: 1 - rate, shape: input.shape, key: nextKey()).converted(to: .float32)
            return input * (keep * Float(1 / (1 - rate)))
        } catch {
            preconditionFailure("Dropout: \(error)")
        }
    }
}
