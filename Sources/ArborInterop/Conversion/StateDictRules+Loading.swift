import Arbor
import Foundation

extension StateDictRules {
    /// A built-in rule set by name (`gpt2`, `flax`), or one read from the JSON
    /// file at that path: what `arbor convert --rules` accepts.
    ///
    /// ```swift
    /// let rules = try StateDictRules.named("gpt2")
    /// ```
    public static func named(_ name: String) throws -> StateDictRules {
        if let builtIn = StateDictRules.builtIn[name] { return builtIn }
        let url = URL(fileURLWithPath: name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelConverterError.unknownRules(name) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelConverterError.unreadableRules(name, "cannot be read") }
        return try StateDictRules.decode(json: data, source: url.lastPathComponent)
    }
}
