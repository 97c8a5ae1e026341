import Foundation

extension StateDictRules {
    /// Flax NNX / Equinox-style pure dicts saved as safetensors (forward) ↔
    /// PyTorch-style Arbor names: `.kernel [in, out]` → `.weight [out, in]`,
    /// 1-D `.scale` → `.weight` (norms). Invertible: in the export direction a
    /// 2-D `.weight` becomes a transposed `.kernel`, a 1-D one `.scale`.
    /// BatchNorm running statistics (`.mean`, `.var`) keep their names;
    /// `Embed`'s `.embedding` is left as it is (2-D, so it would be taken for a kernel).
    public static let flax = StateDictRules(
        name: "flax",
        rules: [
            .transpose(#"\.kernel$"#),
            .rename(#"\.kernel$"#, to: ".weight", inverseMatch: #"\.weight$"#, inverseTo: ".kernel", rank: 2),
            .rename(#"\.scale$"#, to: ".weight", inverseMatch: #"\.weight$"#, inverseTo: ".scale", rank: 1),
        ]
    )
}
