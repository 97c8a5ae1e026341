import Arbor

extension StateDictRules {
    /// Hugging Face `GPT2LMHeadModel` names (forward) ↔ Arbor `GPT2` paths.
    ///
    /// Arbor's `GPT2` keeps Hugging Face's module names, so only three things
    /// change: the `transformer.` prefix goes, the `Conv1D` weights
    /// (`attn.c_attn`, `attn.c_proj`, `mlp.c_fc`, `mlp.c_proj`, stored
    /// `[in, out]`) become `Linear` weights `[out, in]`, and `lm_head.weight`
    /// is dropped because Arbor's head *is* `wte.weight`. Old files' causal
    /// mask buffers (`attn.bias`, `attn.masked_bias`) are dropped too.
    /// Arbor side: `wte.weight [vocab, d]`, `wpe.weight [ctx, d]`,
    /// `h.{i}.ln_1.{weight,bias}`, `h.{i}.attn.c_attn.{weight [3d, d], bias}`,
    /// `h.{i}.attn.c_proj.{weight [d, d], bias}`, `h.{i}.ln_2.{weight,bias}`,
    /// `h.{i}.mlp.c_fc.{weight [4d, d], bias}`, `h.{i}.mlp.c_proj.{weight [d, 4d], bias}`,
    /// `ln_f.{weight,bias}`.
    public static let gpt2 = StateDictRules(
        name: "gpt2",
        rules: [
            .drop(#"\.attn\.(bias|masked_bias)$"#),
            .stripPrefix("transformer."),
            .transpose(#"^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$"#),
        ],
        tied: [TiedWeight(name: "lm_head.weight", source: "transformer.wte.weight")]
    )
}
