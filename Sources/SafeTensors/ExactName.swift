/// A tensor name compared by its exact UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence, so `"é"` (U+00E9)
/// equals `"e\u{301}"`; safetensors (Rust) compares bytes, and a file may hold both
/// names as different tensors. Every lookup table of names in this module is keyed
/// by `ExactName` so no tensor can shadow another.
struct ExactName: Hashable {
    let name: String

    init(_ name: String) { self.name = name }

    static func == (lhs: ExactName, rhs: ExactName) -> Bool {
        lhs.name.utf8.elementsEqual(rhs.name.utf8)
    }

    /// Hashes the UTF-8 bytes in one call (no per-byte `combine`, no copy for
    /// native strings).
    func hash(into hasher: inout Hasher) {
        var text = name
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
