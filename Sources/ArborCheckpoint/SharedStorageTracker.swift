import Arbor

/// Finds leaves whose tensors share one buffer (tied weights kept as one
/// storage), so a writer stores those bytes once and records the later leaves
/// as aliases of the first.
struct SharedStorageTracker {
    private var firstPathByStorage: [ObjectIdentifier: (path: Path, shape: [Int], dtype: DType)] = [:]

    /// The earlier path whose tensor has `value`'s storage, shape and dtype;
    /// otherwise records `path` as the first holder and returns `nil`.
    mutating func alias(of value: Tensor, at path: Path) -> Path? {
        let identity = ObjectIdentifier(value.storage)
        if value.byteCount > 0, let first = firstPathByStorage[identity],
           first.shape == value.shape, first.dtype == value.dtype {
            return first.path
        }
        firstPathByStorage[identity] = (path, value.shape, value.dtype)
        return nil
    }
}
