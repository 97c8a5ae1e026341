import Foundation
import SystemPackage

/// A failed file-system call, with the file and the operation named.
///
/// Kept separate from `SafeTensorsError` because the durable-write stack
/// (`AtomicFile`, `DurableFileSystem`) is shared with the checkpoint layer, whose
/// own errors wrap this one.
public struct FileIOError: Error, Equatable, CustomStringConvertible {
    /// The file or directory the operation was on.
    public var path: String
    /// What was being done (`"write"`, `"fsync"`, `"rename"`, ...).
    public var operation: String
    /// The system's explanation (`Errno`'s description, e.g. "No space left on device").
    public var reason: String

    /// Records a failure of `operation` on `path` with an explicit reason.
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// Records a failure of `operation` on `path` from the error a swift-system or
    /// Foundation call threw: an `Errno` reads as its description ("Permission
    /// denied"), a Foundation error as its localized description.
    package init(path: String, operation: String, error: any Error) {
        let reason: String
        if let errno = error as? Errno {
            reason = errno.description
        } else if let known = error as? FileIOError {
            reason = known.reason
        } else {
            reason = (error as NSError).localizedDescription
        }
        self.init(path: path, operation: operation, reason: reason)
    }

    /// `path: cannot <operation>: <reason>`.
    public var description: String { "\(path): cannot \(operation): \(reason)" }
}
