import Arbor
import Foundation

extension GPT2Config {
    /// Number of parameters (`wte` tied to the head: counted once), computed
    /// with checked arithmetic; `nil` when it does not fit in an `Int`, which
    /// a `config.json` with absurd sizes (`n_embd` 1e9, `n_layer` 1e6) can ask for.
    public var parameterCount: Int? {
        func product(_ factors: Int...) -> Int? {
            var result = 1
            for factor in factors {
                let (next, overflow) = result.multipliedReportingOverflow(by: factor)
                if overflow || factor < 0 { return nil }
                result = next
            }
            return result
        }
        func sum(_ terms: Int?...) -> Int? {
            var result = 0
            for term in terms {
                guard let term else { return nil }
                let (next, overflow) = result.addingReportingOverflow(term)
                if overflow { return nil }
                result = next
            }
            return result
        }
        // Per block: ln_1, ln_2 (2·width each), c_attn (3·width² + 3·width),
        // attn c_proj (width² + width), c_fc (4·width² + 4·width), mlp c_proj (4·width² + width).
        let block = sum(product(12, width, width), product(13, width))
        return sum(product(vocabularySize, width), product(positions, width),
                   block.flatMap { product(layers, $0) }, product(2, width))
    }

    /// Bytes of the model's f32 weights (what loading allocates), or `nil` on overflow.
    public var weightByteCount: Int? {
        parameterCount.flatMap { count in
            let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            return overflow ? nil : bytes
        }
    }

    /// Throws `GPT2ConfigError.tooLarge` when the weights would not fit in
    /// `physicalMemory` (default: this machine's, `ProcessInfo.physicalMemory`),
    /// so an absurd `config.json` is refused before anything is allocated
    /// instead of growing until the system kills the process.
    public func checkFitsInMemory(source: String, physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory)
        throws(GPT2ConfigError) {
        guard let bytes = weightByteCount else { throw .tooLarge(source: source, bytes: nil, available: physicalMemory) }
        if UInt64(bytes) > physicalMemory { throw .tooLarge(source: source, bytes: bytes, available: physicalMemory) }
    }
}
