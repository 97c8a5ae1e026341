import Foundation

/// A value guarded by a lock, for Arbor's few process-wide tables (the variable
/// kind registry, the per-type layout checks).
///
/// `@unchecked Sendable` is sound: `value` is private and only touched inside
/// `withLock`, which holds `lock` for the whole access. (`Synchronization.Mutex`
/// would say this without `unchecked` but needs macOS 15; Arbor supports 14.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
