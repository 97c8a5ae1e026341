import ArgumentParser

/// `arbor demo`: Arbor's main job end to end on embedded data, no arguments needed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Arbor end to end on a built-in example (no files needed)."
    )

    func run() async throws {
        print("Arbor demo")
    }
}
