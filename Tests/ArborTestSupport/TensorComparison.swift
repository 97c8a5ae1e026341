import ArborTensor

/// Comparing computed outputs with a reference library's.
public enum TensorComparison {
    /// The largest absolute elementwise difference of two f32 tensors of equal
    /// shape; infinity when the shapes differ (so a `≤ tolerance` check fails).
    public static func largestDifference(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .infinity }
        return zip(a.scalars(as: Float.self), b.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
    }
}
