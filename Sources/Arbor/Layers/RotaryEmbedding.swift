import ArborTensor
import Foundation

/// Rotary position embedding as Hugging Face's Llama applies it (the
/// `rotate_half` convention: the first and second halves of a head are the
/// pairs rotated together, not interleaved neighbours), with base `theta`.
/// Holds no parameters, only the two settings.
public struct RotaryEmbedding: Codable, Hashable, Sendable {
    /// Width of one head (even).
    public var headDimension: Int
    /// The base (`rope_theta`).
    public var theta: Double

    /// A rotation for heads of `headDimension`.
    public init(headDimension: Int, theta: Double) {
        // `LlamaConfig(huggingFaceConfig:)` refuses an odd or zero head width by field; only code can pass one.
        precondition(headDimension > 0 && headDimension.isMultiple(of: 2),
                     "RotaryEmbedding: head dimension must be even and positive, got \(headDimension)")
        self.headDimension = headDimension
        self.theta = theta
    }

    /// `cos` and `sin` tables `[time, headDimension]`, computed in f32 as
    /// transformers does (`theta ** (2i / d)` in f32, then `position · inverse`).
    public func tables(time: Int) -> (cos: Tensor, sin: Tensor) {
        let half = headDimension / 2
        let inverse = (0..<half).map { 1 / powf(Float(theta), Float(2 * $0) / Float(headDimension)) }
        var cosines = [Float](repeating: 0, count: time * headDimension)
        var sines = cosines
        for position in 0..<time {
            for i in 0..<half {
                let angle = Float(position) * inverse[i]
                let (c, s) = (Foundation.cos(angle), Foundation.sin(angle))
                for j in [i, i + half] {
                    cosines[position * headDimension + j] = c
                    sines[position * headDimension + j] = s
                }
            }
        }
        return (Tensor(cosines, shape: [time, headDimension]), Tensor(sines, shape: [time, headDimension]))
    }

    /// `x · cos + rotate_half(x) · sin` for `x` `[..., time, headDimension]`.
    public func callAsFunction(_ x: Tensor, cos: Tensor, sin: Tensor) -> Tensor {
        let half = headDimension / 2
        let axis = x.rank - 1
        let rotated = Tensor.concatenated([-x.sliced(alongAxis: axis, half..<headDimension),
                                           x.sliced(alongAxis: axis, 0..<half)], alongAxis: axis)
        return x * cos + rotated * sin
    }
}
