import Foundation

/// A tensor name compared by its exact UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence, so `"é"` (U+00E9)
/// equals `"e\u{301}"`; safetensors (Rust) compares bytes, and a file may hold both
/// names as different tensors. Every lookup table of tensor names (a `StateDict`,
/// a safetensors header or index) is keyed by `ExactName` so no tensor can shadow another.
package struct ExactName: Hashable, Sendable {
    package let name: String

    package init(_ name: String) { self.name = name }

    package static func == (lhs: ExactName, rhs: ExactName) -> Bool {
        let (left, right) = (lhs.name.utf8, rhs.name.utf8)
        guard left.count == right.count else { return false }
        // Native strings are contiguous: compare the buffers in one call instead
        // of byte by byte through the UTF-8 view (a hot spot of large headers).
        let contiguous = left.withContiguousStorageIfAvailable { a in
            right.withContiguousStorageIfAvailable { b in
                guard let first = a.baseAddress, let second = b.baseAddress else { return true }  // both empty
                return memcmp(first, second, a.count) == 0
            }
        }
        if let contiguous, let equal = contiguous { return equal }
        return left.elementsEqual(right)
    }

    /// Hashes the UTF-8 bytes in one call (no per-byte `combine`, no copy for
    /// native strings).
    package func hash(into hasher: inout Hasher) {
        var text = name
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
