import Arbor

extension GPT2Config {
    /// The tiny configuration of the test fixtures (vocab 256, 64 positions, width 64,
    /// 2 layers, 4 heads): a GPT-2 that builds and runs in milliseconds, for demos,
    /// benchmarks and tests.
    ///
    /// ```swift
    /// let model = GPT2(.tiny, key: RandomKey(seed: 0))
    /// ```
    public static let tiny = GPT2Config(vocabularySize: 256, positions: 64, width: 64, layers: 2, heads: 4)
}
