/// A key for Arbor's counter-based random numbers: 64 bits naming an infinite,
/// reproducible stream of Philox4x32-10 blocks.
///
/// Keys are values, not generators: nothing mutates, so the same key always gives
/// the same numbers, on every machine and run, on any thread. To get fresh
/// randomness derive new keys, as in JAX:
///
/// ```swift
/// let root = RandomKey(seed: 42)
/// let (initKey, dropoutKey) = root.split()
/// let w = try Tensor.randomNormal(shape: [784, 128], std: 0.02, key: initKey)
/// // Step n of a training loop: a key of its own, no state to carry but n.
/// let mask = try Tensor.bernoulli(p: 0.9, shape: [128], key: dropoutKey.fold(in: step))
/// ```
///
/// **Drawing the n-th batch.** A `RngState` is a key plus a counter: the n-th draw
/// uses `key.fold(in: n)`, so resuming from a checkpoint at step n reproduces the
/// exact numbers of an uninterrupted run. Within one tensor, element `i` comes from
/// block `i / 4` (or `i / 2` for float64) of the key's stream, so a longer draw
/// starts with the same numbers as a shorter one.
///
/// Derivations are domain-separated: stream blocks use counter word 3 = 0, `split`
/// and `fold(in:)` use distinct nonzero tags there, so no derived key or stream
/// block can coincide with another by construction. Codable as
/// `{"algorithm":"philox4x32-10","key":[k0,k1]}`.
public struct RandomKey: Hashable, Sendable, CustomStringConvertible {
    /// The Philox key words (low and high 32 bits).
    public let key0: UInt32, key1: UInt32

    /// The key for `seed`. Different seeds give independent streams; no mixing is
    /// needed because Philox is a keyed bijection of good statistical quality.
    public init(seed: UInt64) {
        key0 = UInt32(truncatingIfNeeded: seed)
        key1 = UInt32(truncatingIfNeeded: seed >> 32)
    }

    /// A key from its two words (as stored in a checkpoint).
    public init(key0: UInt32, key1: UInt32) {
        self.key0 = key0
        self.key1 = key1
    }

    /// The 64 key bits, `key1` high: `RandomKey(seed: k.rawValue) == k`.
    public var rawValue: UInt64 { UInt64(key1) << 32 | UInt64(key0) }

    static let splitTag: UInt32 = 0x7370_6C74  // "splt"
    static let foldTag: UInt32 = 0x666F_6C64   // "fold"

    /// `count` new independent keys. Key `i` does not depend on `count`, so
    /// `split(3)[0] == split(2)[0]`.
    public func split(_ count: Int) -> [RandomKey] {
        precondition(count >= 0, "RandomKey.split: negative count \(count)")
        return (0..<count).map { derived(UInt64($0), tag: RandomKey.splitTag) }
    }

    /// Two new independent keys: `let (a, b) = key.split()`.
    public func split() -> (RandomKey, RandomKey) {
        (derived(0, tag: RandomKey.splitTag), derived(1, tag: RandomKey.splitTag))
    }

    /// A new key that depends on this one and on `data` (a step number, a layer
    /// index, ...). Cheap: one Philox block.
    public func fold(in data: UInt64) -> RandomKey { derived(data, tag: RandomKey.foldTag) }

    /// Block `index` of this key's stream: 128 random bits.
    public func block(_ index: UInt64) -> SIMD4<UInt32> {
        Philox4x32.block(counter: SIMD4(UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), 0, 0),
                         key: SIMD2(key0, key1))
    }

    private func derived(_ data: UInt64, tag: UInt32) -> RandomKey {
        let r = Philox4x32.block(UInt32(truncatingIfNeeded: data), UInt32(truncatingIfNeeded: data >> 32), 0, tag, key0, key1)
        return RandomKey(key0: r.0, key1: r.1)
    }

    /// `RandomKey(0x…)` with the 64 key bits in hex.
    public var description: String {
        let hex = String(rawValue, radix: 16)
        return "RandomKey(0x" + String(repeating: "0", count: 16 - hex.count) + hex + ")"
    }
}

extension RandomKey: Codable {
    /// The only algorithm this build knows; recorded so a future one is not misread.
    public static let algorithm = "philox4x32-10"

    private enum CodingKeys: String, CodingKey { case algorithm, key }

    /// Decodes `{"algorithm":"philox4x32-10","key":[k0,k1]}`, rejecting other
    /// algorithms and key lengths with a message that says which.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let algorithm = try container.decode(String.self, forKey: .algorithm)
        guard algorithm == RandomKey.algorithm else {
            throw DecodingError.dataCorruptedError(
                forKey: .algorithm, in: container,
                debugDescription: "random key algorithm \"\(algorithm)\" is not supported; expected \"\(RandomKey.algorithm)\"")
        }
        let words = try container.decode([UInt32].self, forKey: .key)
        guard words.count == 2 else {
            throw DecodingError.dataCorruptedError(
                forKey: .key, in: container, debugDescription: "a philox4x32-10 key has 2 words, got \(words.count)")
        }
        self.init(key0: words[0], key1: words[1])
    }

    /// Encodes the algorithm name and the two key words.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(RandomKey.algorithm, forKey: .algorithm)
        try container.encode([key0, key1], forKey: .key)
    }
}
