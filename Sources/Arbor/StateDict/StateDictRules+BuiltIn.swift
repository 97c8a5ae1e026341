import Foundation

extension StateDictRules {
    /// Hugging Face `GPT2LMHeadModel` names (forward) ↔ Arbor `GPT2` names.
    ///
    /// Arbor side (the target the `GPT2` layer must have; Linear weights `[out, in]`):
    /// `wte.weight [vocab, d]`, `wpe.weight [ctx, d]`,
    /// `blocks.{i}.ln1.{weight,bias}`, `blocks.{i}.attention.qkv.{weight [3d, d], bias [3d]}`,
    /// `blocks.{i}.attention.out.{weight [d, d], bias}`, `blocks.{i}.ln2.{weight,bias}`,
    /// `blocks.{i}.mlp.fc.{weight [4d, d], bias}`, `blocks.{i}.mlp.proj.{weight [d, 4d], bias}`,
    /// `lnF.{weight,bias}`; the LM head is tied to `wte.weight` and not a separate parameter.
    public static let gpt2 = StateDictRules(
        name: "gpt2",
        rules: [
            .drop(#"\.attn\.(bias|masked_bias)$"#),
            .stripPrefix("transformer."),
            .rename(#"^h\.(\d+)\."#, to: "blocks.$1.", inverseMatch: #"^blocks\.(\d+)\."#, inverseTo: "h.$1."),
            .rename(#"\.ln_1\."#, to: ".ln1.", inverseMatch: #"\.ln1\."#, inverseTo: ".ln_1."),
            .rename(#"\.ln_2\."#, to: ".ln2.", inverseMatch: #"\.ln2\."#, inverseTo: ".ln_2."),
            .rename(#"^ln_f\."#, to: "lnF.", inverseMatch: #"^lnF\."#, inverseTo: "ln_f."),
            .rename(#"\.attn\.c_attn\."#, to: ".attention.qkv.", inverseMatch: #"\.attention\.qkv\."#, inverseTo: ".attn.c_attn."),
            .rename(#"\.attn\.c_proj\."#, to: ".attention.out.", inverseMatch: #"\.attention\.out\."#, inverseTo: ".attn.c_proj."),
            .rename(#"\.mlp\.c_fc\."#, to: ".mlp.fc.", inverseMatch: #"\.mlp\.fc\."#, inverseTo: ".mlp.c_fc."),
            .rename(#"\.mlp\.c_proj\."#, to: ".mlp.proj.", inverseMatch: #"\.mlp\.proj\."#, inverseTo: ".mlp.c_proj."),
            .transpose(#"\.(attention\.qkv|attention\.out|mlp\.fc|mlp\.proj)\.weight$"#),
        ],
        tied: [TiedWeight(name: "lm_head.weight", source: "transformer.wte.weight")]
    )

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

    /// The built-in rule sets by name (`gpt2`, `flax`).
    public static let builtIn: [String: StateDictRules] = ["gpt2": gpt2, "flax": flax]
}
