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

extension Initializer {
    /// All ones (LayerNorm and BatchNorm scales, running variances).
    public static let ones = Initializer { shape, dtype in
        do { return try Tensor.ones(shape, dtype: dtype) } catch {
            preconditionFailure("Initializer.ones: \(error)")
        }
    }

    /// Uniform in `[low, high)` from `key`'s stream (PyTorch's `Linear` default is
    /// `±1/√fanIn`); the same key always gives the same values.
    public static func uniform(low: Double, high: Double, key: RandomKey) -> Initializer {
        Initializer { shape, dtype in
            do { return try Tensor.randomUniform(shape: shape, low: low, high: high, key: key, dtype: dtype) } catch {
                preconditionFailure("Initializer.uniform: \(error)")
            }
        }
    }

    /// Normal with mean 0 and `std` from `key`'s stream.
    public static func normal(std: Double, key: RandomKey) -> Initializer {
        Initializer { shape, dtype in
            do { return try Tensor.randomNormal(shape: shape, std: std, key: key, dtype: dtype) } catch {
                preconditionFailure("Initializer.normal: \(error)")
            }
        }
    }
}
