extension CheckpointMetadata {
    /// The process that wrote each data file of a format 2 step, from its name
    /// (`params/process-00001-of-00004.safetensors` → 1); files written by the
    /// primary alone (`tree.json`, JSON items, every file of format 1) are absent.
    public var fileWriters: [String: Int] {
        var result: [String: Int] = [:]
        for name in files.keys {
            if let (process, _) = CheckpointMetadata.processFile(name) { result[name] = process }
        }
        return result
    }

    /// How many processes wrote the step (1 for format 1).
    public var processCount: Int {
        files.keys.compactMap { CheckpointMetadata.processFile($0)?.count }.max() ?? 1
    }

    /// `(process, count)` of a `…/process-P-of-N.safetensors` name.
    static func processFile(_ relativePath: String) -> (process: Int, count: Int)? {
        guard let name = relativePath.split(separator: "/").last, name.hasPrefix("process-"),
              name.hasSuffix(".safetensors") else { return nil }
        let parts = name.dropLast(".safetensors".count).split(separator: "-")
        guard parts.count == 4, parts[2] == "of", let process = Int(parts[1]), let count = Int(parts[3]) else { return nil }
        return (process, count)
    }
}
