/// When `CheckpointManager.save` actually writes a step.
///
/// Training loops call `save` every step and let the policy decide, so the loop
/// stays simple; a forced save (end of training, preemption signal) always writes.
public struct SavePolicy: Sendable, Equatable, Codable {
    /// Save when `step` is a multiple of this; `nil` or 0 disables the rule.
    public var every: Int?
    /// Save at exactly these steps as well.
    public var steps: Set<Int>

    /// A policy saving every `every` steps and at the listed `steps`.
    public init(every: Int? = 1, steps: Set<Int> = []) {
        self.every = every
        self.steps = steps
    }

    /// Saves every step.
    public static let everyStep = SavePolicy(every: 1)

    /// Whether `step` should be saved (a forced save always is).
    public func shouldSave(step: Int, force: Bool = false) -> Bool {
        if force || steps.contains(step) { return true }
        if let every, every > 0 { return step % every == 0 }
        return false
    }
}
