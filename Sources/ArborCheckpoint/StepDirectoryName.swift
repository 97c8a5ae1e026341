/// Names of step directories: `step_00000100`.
///
/// Zero-padded so a plain `ls` sorts them, but parsing never relies on the width
/// (step 123456789 is `step_123456789`), and steps are always compared as
/// integers, never as strings (`"10" < "2"` is a bug users of other tools hit).
public enum StepDirectoryName {
    /// Prefix of every step directory.
    public static let prefix = "step_"
    /// Minimum number of digits.
    public static let width = 8

    /// The directory name for `step` (which must be non-negative).
    public static func name(for step: Int) -> String {
        // `CheckpointManager.save` throws `.invalidStep` for a negative step before naming it;
        // steps read back come from `step(fromName:)`, which yields only digits.
        precondition(step >= 0, "checkpoint steps are non-negative, got \(step)")
        let digits = String(step)
        return prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The step a directory name stands for, or `nil` when the name is not a step
    /// directory (temporary directories, stray files).
    public static func step(fromName name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
