import Foundation

/// Times repeated runs of a closure and reports the median, which is robust to the
/// odd slow run on a shared 2-core machine.
struct Stopwatch {
    /// Seconds for one run of `body`.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Median seconds over `runs` runs, after `warmup` untimed runs.
    static func median(runs: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmup { try body() }
        var samples: [Double] = []
        for _ in 0..<max(runs, 1) { samples.append(try time(body)) }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// A duration as text with a unit that fits (`850 µs`, `12.3 ms`, `1.52 s`).
    static func format(_ seconds: Double) -> String {
        if seconds < 1e-3 { return String(format: "%.1f µs", seconds * 1e6) }
        if seconds < 1 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.3f s", seconds)
    }
}
