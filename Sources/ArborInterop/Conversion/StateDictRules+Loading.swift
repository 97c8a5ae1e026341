import Arbor
import SafeTensors
import Foundation

extension StateDictRules {
    /// The built-in rule sets by name: `gpt2` (Hugging Face GPT-2, here in
    /// `ArborInterop`) and `flax` (Flax / Equinox pure dicts, in `Arbor`).
    public static let builtIn: [String: StateDictRules] = ["gpt2": gpt2, "flax": flax]

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
        do { data = Data(try DurableFileSystem.contents(of: url)) } catch {
            throw ModelConverterError.unreadableRules(name, "cannot be read: \(error.reason)")
        }
        return try StateDictRules.decode(json: data, source: url.lastPathComponent)
    }
}
