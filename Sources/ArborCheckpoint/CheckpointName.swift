import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks names read from a checkpoint (item names and `files` entries of
/// `checkpoint.json`, data files named in `tree.json`) before anything is
/// opened by them. A checkpoint directory is untrusted input: a name such as
/// `../outside/secret.txt`, an absolute path, or a symlink leading out of the
/// step directory must never make Arbor read (or hash, or convert) a file
/// outside it.
enum CheckpointName {
    /// Fails unless `name` is a plain relative name: not empty, not absolute,
    /// no empty, `.` or `..` component, no NUL; one component when
    /// `singleComponent` (item names, data file names). `file` is the file
    /// the name was read from, for the error.
    static func check(_ name: String, singleComponent: Bool, file: String) throws(CheckpointError) {
        func refuse(_ reason: String) -> CheckpointError { .unsafeName(file: file, name: name, reason: reason) }
        if name.isEmpty { throw refuse("is empty") }
        if name.hasPrefix("/") { throw refuse("is an absolute path") }
        if name.utf8.contains(0) { throw refuse("contains a NUL byte") }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if singleComponent && components.count != 1 { throw refuse("is not a single path component") }
        for component in components {
            if component.isEmpty { throw refuse("has an empty path component") }
            if component == "." || component == ".." { throw refuse("has a '\(component)' component") }
        }
    }

    /// `name` checked with `check` and resolved inside `directory`; when the
    /// resolved path exists, its real path (symlinks followed) must still be
    /// inside the real path of `directory`.
    static func resolve(_ name: String, in directory: URL, singleComponent: Bool = false,
                        file: String) throws(CheckpointError) -> URL {
        try check(name, singleComponent: singleComponent, file: file)
        let url = directory.appendingPathComponent(name)
        guard let base = realPath(directory.path) else { return url }
        // A missing file (or one under a missing directory) fails later as missing.
        guard let resolved = realPath(url.path) else { return url }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard resolved.hasPrefix(prefix) else {
            throw .unsafeName(file: file, name: name, reason: "leads out of \(directory.path) (through a symlink, to \(resolved))")
        }
        return url
    }

    /// The canonical path of an existing `path`, or `nil`.
    private static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
