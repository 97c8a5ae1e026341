import Arbor
import ArborInterop
import ArborTensor
import Foundation

/// Part 3 of the demo: a GPT-2 built in Arbor leaves as a Hugging Face
/// directory (what `from_pretrained` loads) and comes back strictly into a
/// new model with the same logits bit for bit; a bf16 copy still continues
/// the prompt the same way.
struct InteropDemo {
    let root: URL
    /// Whether `root` survives the demo (then the user can load it in PyTorch).
    let kept: Bool

    func run() throws {
        print("\n3. Hugging Face interop: export a GPT-2 built in Arbor, load it back, compare")
        let config = GPT2Config(vocabularySize: 256, positions: 64, width: 64, layers: 2, heads: 4)
        let model = GPT2(config, key: RandomKey(seed: 2024))
        let f32 = root.appendingPathComponent("gpt2-hf", isDirectory: true)
        let bf16 = root.appendingPathComponent("gpt2-hf-bf16", isDirectory: true)

        var written: [URL] = []
        let saveSeconds = try seconds {
            written = try HuggingFaceModelDirectory.save(model, to: f32, options: .init(maxShardSize: 150_000, force: true)).files
        }
        var loaded: GPT2?
        let loadSeconds = try seconds { loaded = try HuggingFaceModelDirectory(opening: f32).loadGPT2().model }
        guard let loaded else { return }
        let ids = Tensor([5, 17, 42, 99, 3, 250, 128, 7] as [Int64], shape: [1, 8])
        let same = loaded(ids) == model(ids)
        print("   saved \(written.count) shards + index + config.json in \(ms(saveSeconds)), "
              + "loaded strictly into a new GPT2 in \(ms(loadSeconds)): logits \(same ? "identical bit for bit" : "DIFFER")")

        try HuggingFaceModelDirectory.save(model, to: bf16, options: .init(dtype: .bfloat16, force: true))
        let (half, _) = try HuggingFaceModelDirectory(opening: bf16).loadGPT2()
        let prompt = [5, 17, 42]
        let (tokens, _) = try model.greedy(prompt: prompt, maxNewTokens: 8)
        let (halfTokens, _) = try half.greedy(prompt: prompt, maxNewTokens: 8)
        let difference = zip(half(ids).scalars(as: Float.self), model(ids).scalars(as: Float.self))
            .map { abs($0 - $1) }.max() ?? 0
        print("   greedy continuation of \(prompt): \(tokens.map(String.init).joined(separator: " ")) (f32)")
        print("                                  \(halfTokens.map(String.init).joined(separator: " ")) (bf16 copy, "
              + "max logit difference \(String(format: "%.2g", difference)))")
        if kept {
            print("   PyTorch: GPT2LMHeadModel.from_pretrained(\"\(f32.path)\") loads it with no missing or unexpected keys")
        }
        if !same { throw InteropDemoError.logitsDiffer }
        print("")
    }
}

/// The demo's own check failed (a bug in Arbor, not in the user's input).
enum InteropDemoError: Error, CustomStringConvertible {
    case logitsDiffer

    var description: String { "interop demo: the reloaded GPT2's logits differ from the original's" }
}
