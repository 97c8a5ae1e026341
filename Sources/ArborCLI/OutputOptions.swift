import ArgumentParser

/// The `--json` flag every reporting command shares (`inspect`, `diff`,
/// `checkpoints`, `generate`): one spelling, one help text.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (for scripts) instead of text for people.")
    var json = false
}
