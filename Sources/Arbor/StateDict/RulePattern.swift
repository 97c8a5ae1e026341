/// The shape rule patterns must have so matching stays fast on any tensor name.
///
/// Rules run through `NSRegularExpression`, a backtracking matcher: a pattern
/// such as `(a?){30}a{30}` or `(a+)+b` takes time exponential in the name's
/// length (20 s for one name), and names come from files. Rather than ship a
/// second regex engine, rules refuse the constructs that backtrack
/// exponentially: a repeating quantifier (`*`, `+`, `{n,m}` with m > 1) applied
/// to a group that itself holds a quantifier or an alternation (`|`), and backreferences
/// (`\1`, `\k<name>`), which no linear matcher supports. Counted repeats are
/// capped at 1,000. What is left (`^h\.(\d+)\.attn\.(.*)$`, `\.(q|k|v)_proj`,
/// `[a-z_]+`) matches in time linear in the name length times the pattern's
/// size, except for patterns chaining several unbounded wildcards on one
/// stretch of text (`.*x.*y.*z`), which stay polynomial in the name length.
enum RulePattern {
    /// The largest `{n}` / `{n,m}` count a rule pattern may use.
    static let maximumRepeat = 1000

    /// The longest pattern accepted, in UTF-16 units. Foundation on Linux leaks
    /// the buffer of every compiled pattern longer than 256 units (found by the
    /// `rules` fuzz target), and no tensor-name pattern needs more.
    static let maximumLength = 256

    /// Why `pattern` could backtrack exponentially (or is too long to compile
    /// safely), or `nil` when it cannot.
    static func backtrackingRisk(in pattern: String) -> String? {
        if pattern.utf16.count > maximumLength {
            return "it is \(pattern.utf16.count) characters long; rule patterns are limited to \(maximumLength)"
        }
        let characters = Array(pattern)
        // Per open group: does it (at any depth) hold a quantifier or an alternation?
        var groups: [(quantified: Bool, alternation: Bool)] = []
        var lastGroup: (quantified: Bool, alternation: Bool)?  // the group that just closed
        var index = 0
        while index < characters.count {
            let character = characters[index]
            var closedGroup: (quantified: Bool, alternation: Bool)?
            switch character {
            case "\\":
                let next = index + 1 < characters.count ? characters[index + 1] : " "
                if next.isNumber && next != "0" || next == "k" {
                    return "it uses a backreference (\\\(next)), which can take exponential time"
                }
                index += 2
            case "[":
                index = Self.endOfClass(characters, from: index)
            case "(":
                groups.append((false, false))
                index += 1
                // `(?:`, `(?<name>`, `(?=`…: the `?` opens the group, it is not a quantifier.
                if index < characters.count, characters[index] == "?" { index += 1 }
            case ")":
                closedGroup = groups.popLast() ?? (false, false)
                if let inner = closedGroup, !groups.isEmpty {
                    groups[groups.count - 1].quantified = groups[groups.count - 1].quantified || inner.quantified
                    groups[groups.count - 1].alternation = groups[groups.count - 1].alternation || inner.alternation
                }
                index += 1
            case "|":
                if !groups.isEmpty { groups[groups.count - 1].alternation = true }
                index += 1
            case "*", "+", "?", "{":
                var end = index + 1
                var repeats = character != "?"  // `?` matches at most once: nothing to backtrack over
                if character == "{" {
                    guard let (close, counts, unbounded) = Self.repeatCounts(characters, from: index) else { index += 1; break }
                    if counts.contains(where: { $0 > maximumRepeat }) {
                        return "a counted repeat above {\(maximumRepeat)} can take very long to match"
                    }
                    repeats = unbounded || counts.contains { $0 > 1 }  // {n,} repeats; {0,1} and {1} do not
                    end = close + 1
                }
                if repeats, let group = lastGroup, group.quantified || group.alternation {
                    return "a quantifier applies to a group that holds "
                        + (group.quantified ? "another quantifier" : "an alternation (|)")
                        + ", which can backtrack exponentially (e.g. (a+)+); rewrite it without the nesting"
                }
                if !groups.isEmpty { groups[groups.count - 1].quantified = true }
                // A lazy `?` or possessive `+` after the quantifier belongs to it.
                if end < characters.count, characters[end] == "?" || characters[end] == "+" { end += 1 }
                index = end
            default:
                index += 1
            }
            lastGroup = closedGroup
        }
        return nil
    }

    /// The index of the `]` closing the class opened at `start` (or the end).
    private static func endOfClass(_ characters: [Character], from start: Int) -> Int {
        var index = start + 1
        if index < characters.count, characters[index] == "^" { index += 1 }
        if index < characters.count, characters[index] == "]" { index += 1 }
        while index < characters.count, characters[index] != "]" {
            index += characters[index] == "\\" ? 2 : 1
        }
        return index + 1
    }

    /// For `{n}`, `{n,}` or `{n,m}` at `start`: the index of `}`, the counts
    /// (saturated at `Int.max`) and whether there is no upper bound; `nil`
    /// when the brace is a literal.
    private static func repeatCounts(_ characters: [Character], from start: Int) -> (Int, [Int], Bool)? {
        guard let close = characters[start...].firstIndex(of: "}") else { return nil }
        let body = characters[(start + 1)..<close]
        let parts = body.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
        return (close, parts.filter { !$0.isEmpty }.map { Int(String($0)) ?? Int.max }, parts.count == 2 && parts[1].isEmpty)
    }
}
