/// How `Variable(shape:dtype:initializer:)` fills a new value.
///
/// Initializers run only for concrete models; inside `Graph.evalShape` they are
/// skipped, so an initializer may be expensive (random numbers) without making
/// abstract models slow.
///
/// ```swift
/// let w = Param(shape: [2, 2], initializer: Initializer { shape, _ in Tensor([1, 0, 0, 1] as [Float], shape: shape) })
/// ```
public struct Initializer: Sendable {
    /// Makes a value of exactly the given shape and dtype.
    public let make: @Sendable (_ shape: [Int], _ dtype: DType) -> Tensor

    /// An initializer from a closure returning a tensor of `shape` and `dtype`.
    public init(_ make: @escaping @Sendable (_ shape: [Int], _ dtype: DType) -> Tensor) {
        self.make = make
    }

    /// All zeros.
    public static let zeros = Initializer { shape, dtype in Tensor(zeros: shape, dtype: dtype) }
}
