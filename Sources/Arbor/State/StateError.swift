/// Why a `State` operation failed. Every case names the path it is about.
public enum StateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two leaves with one path.
    case duplicatePath(Path)
    /// `leaf` is a leaf and also the prefix of another leaf's path `inner`.
    case pathConflict(leaf: Path, inner: Path)
    /// `split` found a leaf no filter matches.
    case unmatchedPath(Path)
    /// A catch-all filter at `position` (0-based) of `count` filters would hide
    /// every filter after it.
    case catchAllNotLast(position: Int, count: Int)

    /// The message a user reads, naming the path.
    public var description: String {
        switch self {
        case .duplicatePath(let path): "`\(path)` occurs twice"
        case .pathConflict(let leaf, let inner):
            "`\(leaf)` is a leaf but `\(inner)` puts a subtree under it"
        case .unmatchedPath(let path):
            "`\(path)` matches none of the filters; add one for it or end with `.everything`"
        case .catchAllNotLast(let position, let count):
            "filter \(position + 1) of \(count) matches everything, so the filters after it would get nothing; " +
                "put the catch-all last"
        }
    }
}
