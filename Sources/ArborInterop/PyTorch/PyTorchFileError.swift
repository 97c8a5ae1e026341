import SafeTensors

/// Why a PyTorch file (`pytorch_model.bin`, `.pt`) or its index was not read.
/// Each case names the file and what to do; `refused` is the answer to a
/// pickle that would run code or build something a state dict never holds.
public enum PyTorchFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(file: String, reason: String)
    /// The ZIP container is malformed or uses a feature torch.save never writes.
    case badArchive(file: String, reason: String)
    /// Not a torch ≥ 1.6 zip checkpoint (the legacy format, or another file).
    case notPyTorchZip(file: String, reason: String)
    /// The pickle asks for something this reader refuses to do (a global other
    /// than torch's rebuild functions, storages and `OrderedDict`; an opcode
    /// that builds arbitrary objects; an unknown persistent id).
    case refused(file: String, opcode: String, offset: Int, global: String?, reason: String)
    /// The pickle is malformed or over a limit.
    case badPickle(file: String, opcode: String, offset: Int, reason: String)
    /// The pickle holds something other than a flat dict of tensors.
    case notAStateDict(file: String, reason: String)
    /// A tensor's view does not fit its storage, or its storage is missing.
    case badTensor(file: String, tensor: String, reason: String)
    /// A dtype Arbor cannot hold in a state dict.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A tensor of this name was not found.
    case tensorNotFound(file: String, tensor: String)
    /// A storage's bytes do not match the CRC-32 the archive records for its
    /// entry: the file was damaged after `torch.save` wrote it.
    case checksumMismatch(file: String, entry: String, expected: UInt32, actual: UInt32)
    /// The `pytorch_model.bin.index.json` is invalid, or two files hold one name.
    case index(SafeTensorsError)

    /// One line naming the file and the problem.
    public var description: String {
        switch self {
        case let .cannotOpen(file, reason): "\(file): cannot open: \(reason)"
        case let .badArchive(file, reason): "\(file): not a valid PyTorch zip archive: \(reason)"
        case let .notPyTorchZip(file, reason): "\(file): \(reason)"
        case let .refused(file, opcode, offset, global, reason):
            "\(file): refused pickle opcode \(opcode) at byte \(offset)" + (global.map { " (global \($0))" } ?? "")
                + ": \(reason)"
        case let .badPickle(file, opcode, offset, reason):
            "\(file): malformed pickle at byte \(offset) (\(opcode)): \(reason)"
        case let .notAStateDict(file, reason): "\(file): not a state dict: \(reason)"
        case let .badTensor(file, tensor, reason): "\(file): tensor \"\(tensor)\": \(reason)"
        case let .unsupportedDType(file, tensor, dtype):
            "\(file): tensor \"\(tensor)\" has dtype \(dtype), which Arbor cannot hold; convert it in PyTorch first"
        case let .tensorNotFound(file, tensor): "\(file): no tensor \"\(tensor)\""
        case let .checksumMismatch(file, entry, expected, actual):
            "\(file): entry \"\(entry)\" is damaged: its bytes have CRC-32 \(hex(actual)) but the archive records "
                + "\(hex(expected)); get the file again (re-download or re-save it)"
        case let .index(error): error.description
        }
    }
}

/// `0x1234abcd`, the usual way to print a CRC.
private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
