import Foundation

/// A one-line progress bar on standard error for long CLI work (hashing,
/// converting, saving). Silent when standard error is not a terminal or the work
/// is small, so scripts and tests see clean output.
final class ProgressBar {
    private let label: String
    private let total: Int
    private var done = 0
    private var lastDrawn = -1
    private let enabled: Bool

    /// A bar for `total` units (bytes, usually); shown only for work of at least
    /// `threshold` units on an interactive terminal.
    init(_ label: String, total: Int, threshold: Int = 64 << 20) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = Terminal.stderrIsInteractive && total >= threshold
    }

    /// Adds `units` of finished work.
    func advance(by units: Int) {
        guard enabled else { return }
        done += units
        let percent = min(100, done * 100 / total)
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let width = 30
        let filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)% of \(ByteCount.text(total))".utf8))
    }

    /// Ends the line.
    func finish() {
        guard enabled, lastDrawn >= 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
