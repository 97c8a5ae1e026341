/// Which saved steps a `CheckpointManager` keeps.
///
/// The three rules are counted separately and a step survives when any rule keeps
/// it. In particular "best M by a metric" can never evict the newest steps: one
/// tool combined best-N with max-to-keep into a single budget, deleted the latest
/// step and then failed to restore "latest". The newest complete step is always
/// kept, whatever the policy says.
public struct RetentionPolicy: Sendable, Equatable, Codable {
    /// Keep the `count` best steps by `metric`.
    public struct Best: Sendable, Equatable, Codable {
        /// Whether smaller or larger metric values are better.
        public enum Mode: String, Sendable, Codable {
            /// Smaller is better (a loss).
            case min
            /// Larger is better (an accuracy).
            case max
        }
        /// Name of the metric in `CheckpointManager.save(step:items:metrics:)`.
        public var metric: String
        /// Smaller-is-better (a loss) or larger-is-better (an accuracy).
        public var mode: Mode
        /// How many best steps to keep.
        public var count: Int

        /// Keeps the `count` best steps by `metric`.
        public init(metric: String, mode: Mode, count: Int) {
            self.metric = metric
            self.mode = mode
            self.count = count
        }
    }

    /// Keep the newest `keepLatest` steps; `nil` keeps every step.
    public var keepLatest: Int?
    /// Also keep every step that is a multiple of this (long-term history).
    public var keepEvery: Int?
    /// Also keep the best steps by a metric.
    public var keepBest: Best?

    /// A policy from its three independent rules; the default keeps everything.
    public init(keepLatest: Int? = nil, keepEvery: Int? = nil, keepBest: Best? = nil) {
        self.keepLatest = keepLatest
        self.keepEvery = keepEvery
        self.keepBest = keepBest
    }

    /// Keeps everything.
    public static let keepAll = RetentionPolicy()

    /// The steps to keep among `steps` (each with its metrics). Steps lacking the
    /// best-metric (or with a NaN value) are never "best", but other rules may
    /// keep them.
    public func stepsToKeep(_ steps: [(step: Int, metrics: [String: Double])]) -> Set<Int> {
        let ordered = steps.map(\.step).sorted()
        guard let newest = ordered.last else { return [] }
        guard let keepLatest else { return Set(ordered) }
        var keep: Set<Int> = [newest]
        keep.formUnion(ordered.suffix(max(0, keepLatest)))
        if let keepEvery, keepEvery > 0 {
            keep.formUnion(ordered.filter { $0 % keepEvery == 0 })
        }
        if let best = keepBest, best.count > 0 {
            let scored = steps.compactMap { entry -> (step: Int, value: Double)? in
                guard let value = entry.metrics[best.metric], !value.isNaN else { return nil }
                return (entry.step, value)
            }
            // Ties go to the newer step so the choice is deterministic.
            let ranked = scored.sorted { a, b in
                if a.value != b.value { return best.mode == .min ? a.value < b.value : a.value > b.value }
                return a.step > b.step
            }
            keep.formUnion(ranked.prefix(best.count).map(\.step))
        }
        return keep
    }
}
