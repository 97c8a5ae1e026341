/// Every way a state fails to fit its target, in one error, sorted by path.
///
/// Restoring a checkpoint, merging a state into a GraphDef, updating a model,
/// validating a state, setting a leaf and replacing by a pure dict all report
/// through this type (loading a state dict reports through
/// `StateDictLoadError`, whose report lists its own problems), so a user sees
/// *all* missing, unexpected, mis-shaped, mis-typed and
/// wrong-kind entries at once — with a suggestion when an unexpected path looks
/// like a missing one spelled differently, with other separators, or with an
/// integer key stored as a string.
///
/// ```
/// 4 problems:
///   bias: missing (Param F32 [8])
///   bn/scale: wrong shape: expected [8], found [3]
///   layers.0.bias: unexpected — did you mean `layers/0/bias`? (separator)
///   w: wrong dtype: expected F32, found F16
/// ```
public struct StateMismatchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problems, sorted by path.
    public var problems: [Problem]

    /// A sorted list of problems.
    public init(problems: [Problem]) { self.problems = problems.sorted { $0.path < $1.path } }

    /// One problem at one path.
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        /// The path in the *given* state (for unexpected entries) or the target.
        public var path: Path
        /// What is wrong there.
        public var issue: Issue

        /// A problem at `path`.
        public init(path: Path, issue: Issue) {
            self.path = path
            self.issue = issue
        }

        /// `path: issue`, as listed in the error.
        public var description: String { "\(path): \(issue)" }
    }

    /// What is wrong at a path.
    public enum Issue: Equatable, Sendable, CustomStringConvertible {
        /// The target has a leaf here that the state lacks.
        case missing(kind: VariableKind, shape: [Int], dtype: DType)
        /// The state has a leaf the target lacks; `suggestion` is a missing path
        /// it probably meant, and `reason` why it looks like it.
        case unexpected(suggestion: Path?, reason: NearMiss?)
        /// Same path, different shape.
        case wrongShape(expected: [Int], found: [Int])
        /// Same path, different dtype.
        case wrongDType(expected: DType, found: DType)
        /// Same path, different variable kind.
        case wrongKind(expected: VariableKind, found: VariableKind)
        /// The path occurs in more than one of the states given together.
        case duplicate(count: Int)

        /// The issue in words, as the error lists it.
        public var description: String {
            switch self {
            case .missing(let kind, let shape, let dtype): "missing (\(kind) \(dtype) \(shape))"
            case .unexpected(let suggestion?, let reason?): "unexpected — did you mean `\(suggestion)`? (\(reason))"
            case .unexpected: "unexpected"
            case .wrongShape(let expected, let found): "wrong shape: expected \(expected), found \(found)"
            case .wrongDType(let expected, let found): "wrong dtype: expected \(expected), found \(found)"
            case .wrongKind(let expected, let found): "wrong kind: expected \(expected), found \(found)"
            case .duplicate(let count): "given \(count) times"
            }
        }
    }

    /// How an unexpected path resembles a missing one.
    public enum NearMiss: String, Equatable, Sendable, CustomStringConvertible {
        /// Same keys, but an integer key is a string here or vice versa (`"0"` vs `0`).
        case keyType = "integer key stored as a string, or the reverse"
        /// Same keys joined with another separator (`layers.0.bias` as one key).
        case separator = "different separator"
        /// A small spelling difference.
        case spelling = "spelling"

        /// The near miss in words (`different separator`).
        public var description: String { rawValue }
    }

    /// Every problem, one per line, sorted by path.
    public var description: String {
        let header = problems.count == 1 ? "1 problem:" : "\(problems.count) problems:"
        return ([header] + problems.map { "  \($0)" }).joined(separator: "\n")
    }

    /// Paths reported missing.
    public var missingPaths: [Path] { problems.filter { if case .missing = $0.issue { true } else { false } }.map(\.path) }
    /// Paths reported unexpected.
    public var unexpectedPaths: [Path] {
        problems.filter { if case .unexpected = $0.issue { true } else { false } }.map(\.path)
    }
}
