import Foundation

extension CheckpointDirectory {
    /// Whether `url` is one step directory: it holds `checkpoint.json` (complete
    /// or not). Tools that accept "a checkpoint or a run directory" ask this first.
    public static func isStep(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(CheckpointMetadata.fileName).path)
    }

    /// Whether `url` is a `CheckpointManager` run directory: it holds `step_N`
    /// directories. An unreadable directory is not one.
    public static func isRun(_ url: URL) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.contains { StepDirectoryName.step(fromName: $0) != nil }
    }
}
