/// A tensor name compared by its exact UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence, so `"é"` (U+00E9)
/// equals `"e\u{301}"`; safetensors (Rust) compares bytes, and a file may hold both
/// names as different tensors. Every lookup table of names in this module is keyed
/// by `ExactName` so no tensor can shadow another.
struct ExactName: Hashable {
    let bytes: [UInt8]

    init(_ name: String) { bytes = Array(name.utf8) }
}
