/// Shared plumbing of the f32 kernels: checking an operand's dtype and making a
/// result whose elements a closure fills in.
extension Tensor {
    /// Traps unless this tensor holds f32 values. Kernels compute in f32 only.
    // f16/bf16 inputs: convert with converted(to: .float32) here once it lands.
    @inline(__always)
    func requireFloat32(_ op: StaticString) {
        precondition(dtype == .float32, "\(op): kernels compute in f32; got a \(dtype) tensor of shape \(shape)")
        precondition(!isAbstract, "\(op): an abstract tensor (shape \(shape)) has no values")
    }

    /// A new f32 tensor of `shape` whose elements `fill` writes (uninitialized before).
    @inline(__always)
    static func makeFloat32(_ shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let count = elementCount(of: shape)
        let storage = TensorStorage(allocating: count * 4, zeroed: false)
        let buffer = UnsafeMutableBufferPointer(
            start: storage.baseAddress?.assumingMemoryBound(to: Float.self), count: count)
        fill(buffer)
        return Tensor(shape: shape, dtype: .float32, storage: storage)
    }

    /// Read access to the f32 elements (a shorter spelling for the kernels).
    @inline(__always)
    func withFloats<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        withUnsafeBufferPointer(as: Float.self, body)
    }

    /// The first f32 element, for kernels that must not go through a closure (so
    /// the element function inlines); valid while this tensor is alive, so use it
    /// inside `withExtendedLifetime`. `nil` when there are no elements.
    @inline(__always)
    var floatBase: UnsafePointer<Float>? {
        precondition(dtype == .float32 && !isAbstract, "floatBase: not a concrete f32 tensor (shape \(shape))")
        return storage.baseAddress.map { UnsafePointer($0.assumingMemoryBound(to: Float.self)) }
    }

    /// An f32 tensor of `shape` filled with `value`.
    static func filled(_ value: Float, shape: [Int]) -> Tensor {
        makeFloat32(shape) { $0.initialize(repeating: value) }
    }

    /// Row-major strides of `shape`, in elements.
    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// `axis` with negative values counted from the end; traps when out of range.
    func normalizedAxis(_ axis: Int, _ op: StaticString) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "\(op): axis \(axis) out of range for shape \(shape)")
        return resolved
    }
}
