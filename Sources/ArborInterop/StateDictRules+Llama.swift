import Arbor

extension StateDictRules {
    /// Hugging Face `LlamaForCausalLM` / `Qwen2ForCausalLM` names ↔ Arbor
    /// `Llama` paths, which are the same names: nothing to rename or transpose
    /// (`Linear` weights are `[out, in]` on both sides). With a tied head,
    /// `lm_head.weight` is declared tied to `model.embed_tokens.weight`:
    /// dropped on import and never written, as `save_pretrained` does.
    public static func llama(tiedHead: Bool) -> StateDictRules {
        StateDictRules(name: tiedHead ? "llama-tied" : "llama", rules: [],
                       tied: tiedHead ? [TiedWeight(name: "lm_head.weight", source: "model.embed_tokens.weight")] : [])
    }

    /// Hugging Face `BertModel` names ↔ Arbor `BERT` paths (the same names);
    /// old files' `embeddings.position_ids` buffer is dropped.
    public static let bert = StateDictRules(name: "bert", rules: [.drop(#"^embeddings\.position_ids$"#)])
}
