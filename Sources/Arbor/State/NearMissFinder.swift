import Foundation

/// Finds, for a path nobody expected, the expected path it was probably meant
/// to be: same keys with a key type changed (`"0"` for `0`), the same text with
/// another separator (`layers.0.bias` as one key), or a small spelling
/// difference. Used to add "did you mean" to mismatch reports.
struct NearMissFinder {
    private let candidates: [Path]
    private var byStringified: [Path: Path] = [:]
    private var byText: [String: Path] = [:]
    private let normalized: [[UInt8]]

    init(candidates: [Path]) {
        self.candidates = candidates
        for path in candidates {
            if byStringified[path.stringified] == nil { byStringified[path.stringified] = path }
            let text = NearMissFinder.text(path)
            if byText[text] == nil { byText[text] = path }
        }
        normalized = candidates.map { Array(NearMissFinder.text($0).lowercased().utf8) }
    }

    /// All keys joined by `.`, with `/` inside keys read as a separator too.
    private static func text(_ path: Path) -> String {
        path.keys.map(\.text).joined(separator: ".").replacingOccurrences(of: "/", with: ".")
    }

    func nearest(to path: Path) -> (path: Path, reason: StateMismatchError.NearMiss)? {
        if let match = byStringified[path.stringified] { return (match, .keyType) }
        if let match = byText[NearMissFinder.text(path)] { return (match, .separator) }
        // Spelling: bounded edit distance, and only while the search stays small.
        guard candidates.count <= 20_000 else { return nil }
        let target = Array(NearMissFinder.text(path).lowercased().utf8)
        let limit = Swift.max(1, Swift.min(3, target.count / 4))
        var best: (Int, Int)?
        for (position, candidate) in normalized.enumerated() where abs(candidate.count - target.count) <= limit {
            if let distance = NearMissFinder.editDistance(target, candidate, limit: limit),
               distance < (best?.0 ?? Int.max) {
                best = (distance, position)
            }
        }
        return best.map { (candidates[$0.1], .spelling) }
    }

    /// Levenshtein distance, or `nil` when it exceeds `limit`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int? {
        if a == b { return 0 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...Swift.max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = Swift.min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        let distance = a.isEmpty ? b.count : previous[b.count]
        return distance <= limit ? distance : nil
    }
}
