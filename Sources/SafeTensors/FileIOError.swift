#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file-system call, with the file and the operation named.
///
/// Kept separate from `SafeTensorsError` because `AtomicFile` is shared with the
/// checkpoint layer, whose own errors wrap this one.
public struct FileIOError: Error, Equatable, CustomStringConvertible {
    /// The file or directory the operation was on.
    public var path: String
    /// What was being done (`"write"`, `"fsync"`, `"rename"`, ...).
    public var operation: String
    /// The system's explanation (`strerror`).
    public var reason: String

    /// Records a failure of `operation` on `path` with an explicit reason.
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// Records a failure of `operation` on `path`, reading the reason from `errno`.
    static func fromErrno(path: String, operation: String) -> FileIOError {
        FileIOError(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }

    /// `path: cannot <operation>: <reason>`.
    public var description: String { "\(path): cannot \(operation): \(reason)" }
}
