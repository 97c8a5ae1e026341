import ArborTensor
import Foundation

/// A state dict saved by `torch.save` (torch ≥ 1.6's zip format:
/// `pytorch_model.bin`, `*.pt`, `*.pth`), read without running its pickle.
///
/// Opening maps the file, reads the ZIP central directory, and runs
/// `data.pkl` through `PickleReader`, which builds tensor records and refuses
/// anything else (see `PyTorchFileError.refused`). Tensors are then windows
/// into the mapping: a contiguous tensor whose bytes are aligned to its
/// element size (torch aligns every storage to 64 bytes) is not copied at
/// all; a misaligned one is copied once, and a non-contiguous view
/// (`w.t()`, a slice with steps) is gathered once into its own row-major
/// buffer. Tensors that share a storage each get their own bytes, as
/// `{k: v.contiguous().clone()}` would in PyTorch.
///
/// ```swift
/// let file = try PyTorchFile(contentsOf: URL(fileURLWithPath: "pytorch_model.bin"))
/// let weights = try file.stateDict()     // names in the pickle's order
/// ```
public struct PyTorchFile: Sendable {
    /// One tensor of the file: its name and how it views its storage.
    public struct Entry: Sendable, Equatable {
        /// The state-dict key.
        public var name: String
        /// The view as the pickle describes it.
        public var record: PyTorchTensorRecord
        /// The bytes of the storage in the file.
        public var storageRange: Range<Int>
        /// The CRC-32 the archive records for the storage's entry.
        public var storageCRC32: UInt32 = 0

        /// Bytes of the tensor's own data (elements × element size).
        public var byteCount: Int { record.dtype.byteCount(forElements: Tensor.elementCount(of: record.shape)) ?? 0 }

        /// The tensor's bytes in the file when it is contiguous, else `nil`.
        public var dataRange: Range<Int>? {
            guard record.isContiguous, let size = record.dtype.byteSize else { return nil }
            // An empty tensor's offset is not checked against its storage: it has no bytes to find.
            guard byteCount > 0 else { return storageRange.lowerBound..<storageRange.lowerBound }
            let start = storageRange.lowerBound + record.storageOffset * size  // inside the storage: checked on opening
            return start..<(start + byteCount)
        }
    }

    /// Where the file is.
    public let url: URL
    /// The mapping every tensor of this file points into.
    public let mapping: MappedFile
    /// The tensors in the pickle's (the state dict's) order.
    public let entries: [Entry]
    /// The archive's top folder (`archive`, or the saved file's stem).
    public let archiveName: String
    private let positions: [String: Int]

    /// Maps `url`, reads its archive and pickle, and checks every tensor's view
    /// against its storage's size. Throws `PyTorchFileError` naming the file.
    public init(contentsOf url: URL) throws(PyTorchFileError) {
        do { mapping = try MappedFile(url: url) } catch { throw .cannotOpen(file: url.path, reason: error.reason) }
        self.url = url
        let file = url.path
        let bytes = mapping.bytes
        try Self.checkIsZip(bytes, file: file)
        let archive = try ZipArchive(bytes: bytes, file: file)
        let pickles = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard pickles.count == 1, let pickle = pickles.first else {
            throw .notPyTorchZip(file: file, reason: pickles.isEmpty
                ? "a ZIP archive without <name>/data.pkl, so not written by torch.save"
                : "a ZIP archive with \(pickles.count) data.pkl entries; torch.save writes one")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        archiveName = String(prefix.dropLast())
        if let order = archive.entry(named: prefix + "byteorder") {
            let range = try archive.dataRange(of: order, in: bytes)
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            guard text == "little" else {
                throw .notPyTorchZip(file: file, reason: "byte order \"\(text)\"; Arbor reads little-endian checkpoints")
            }
        }
        let pickleRange = try archive.dataRange(of: pickle, in: bytes)
        var entries: [Entry] = []
        var positions: [String: Int] = [:]
        var storages: [String: (range: Range<Int>, crc: UInt32)] = [:]
        for (name, record) in try Self.records(pickle: UnsafeRawBufferPointer(rebasing: bytes[pickleRange]), file: file) {
            let storage: (range: Range<Int>, crc: UInt32)
            if let known = storages[record.storage.key] {
                storage = known
            } else {
                guard let entry = archive.entry(named: prefix + "data/" + record.storage.key) else {
                    throw .badTensor(file: file, tensor: name, reason: "its storage data/\(record.storage.key) is not in the archive")
                }
                storage = (try archive.dataRange(of: entry, in: bytes), entry.crc32)
                storages[record.storage.key] = storage
            }
            try Self.check(record, storage: storage.range, name: name, file: file)
            positions[name] = entries.count
            entries.append(Entry(name: name, record: record, storageRange: storage.range, storageCRC32: storage.crc))
        }
        self.entries = entries
        self.positions = positions
    }

    /// The tensor names in the state dict's order.
    public var names: [String] { entries.map(\.name) }

    /// The entry named `name`, or `nil`.
    public func entry(named name: String) -> Entry? { positions[name].map { entries[$0] } }

    /// The tensor `name` (see the type's notes on copies).
    public func tensor(named name: String) throws(PyTorchFileError) -> Tensor {
        guard let entry = entry(named: name) else { throw .tensorNotFound(file: url.path, tensor: name) }
        return try tensor(for: entry)
    }

    /// Every tensor, in the state dict's order.
    public func stateDict() throws(PyTorchFileError) -> StateDict {
        var result = StateDict()
        for entry in entries { result[entry.name] = try tensor(for: entry) }
        return result
    }

    /// The tensor of an entry of this file: a window when contiguous and
    /// aligned, else one copy.
    public func tensor(for entry: Entry) throws(PyTorchFileError) -> Tensor {
        let record = entry.record
        do {
            if let range = entry.dataRange {
                let aligned = range.lowerBound % max(1, min(record.dtype.byteSize ?? 1, 8)) == 0
                return aligned ? try Tensor(shape: record.shape, dtype: record.dtype, mapping: range, of: mapping)
                    : try Tensor(shape: record.shape, dtype: record.dtype,
                                 copying: UnsafeRawBufferPointer(rebasing: mapping.bytes[range]))
            }
        } catch {
            throw .badTensor(file: url.path, tensor: entry.name, reason: "\(error)")
        }
        return StridedGather.gather(record, storage: UnsafeRawBufferPointer(rebasing: mapping.bytes[entry.storageRange]))
    }

    /// Refuses what is not a torch zip archive, naming the legacy format.
    private static func checkIsZip(_ bytes: UnsafeRawBufferPointer, file: String) throws(PyTorchFileError) {
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, bytes[2] == 0x03, bytes[3] == 0x04 { return }
        // The legacy format starts with a pickled magic number: PROTO 2, LONG1 of 10 bytes.
        if bytes.count >= 4, bytes[0] == 0x80, bytes[2] == 0x8A, bytes[3] == 0x0A {
            throw .notPyTorchZip(file: file, reason: "the legacy torch.save format (before torch 1.6, or "
                + "_use_new_zipfile_serialization=False), which Arbor does not read; re-save it with a current torch: "
                + "torch.save(torch.load(path, weights_only=True), path)")
        }
        throw .notPyTorchZip(file: file, reason: "not a torch.save zip archive (it does not start with a ZIP local header)")
    }

    /// The tensors a state dict's `data.pkl` describes, in order, read by
    /// `PickleReader` (nothing is run; see `PyTorchFileError.refused`). The
    /// pickle must leave a flat `{str: tensor}` dict with each key once.
    /// Storages are not checked here (they are in the archive, not the pickle).
    public static func records(pickle: UnsafeRawBufferPointer, file: String) throws(PyTorchFileError)
        -> [(name: String, record: PyTorchTensorRecord)] {
        var reader = PickleReader(bytes: pickle, file: file)
        let root = try reader.read()
        guard case let .dict(pairs, _) = root else {
            throw .notAStateDict(file: file, reason: "the pickle holds a \(root.kind), not a dict of tensors")
        }
        var result: [(name: String, record: PyTorchTensorRecord)] = []
        var seen = Set<String>()
        result.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            guard case let .string(name) = key else {
                throw .notAStateDict(file: file, reason: "a key is a \(key.kind), not a str")
            }
            guard case let .tensor(record) = value else {
                throw .notAStateDict(file: file, reason: "\"\(name)\" is a \(value.kind), not a tensor; Arbor reads flat "
                    + "state dicts (torch.save(model.state_dict())), not nested training checkpoints")
            }
            guard seen.insert(name).inserted else { throw .notAStateDict(file: file, reason: "the key \"\(name)\" appears twice") }
            result.append((name, record))
        }
        return result
    }

    /// Checks a view against its storage: whole-byte dtypes, every element it
    /// reaches inside the storage (checked arithmetic throughout).
    private static func check(_ record: PyTorchTensorRecord, storage: Range<Int>, name: String,
                              file: String) throws(PyTorchFileError) {
        guard let size = record.dtype.byteSize, let storageSize = record.storage.dtype.byteSize else {
            throw .unsupportedDType(file: file, tensor: name, dtype: record.dtype.rawValue)
        }
        guard let declared = checked(record.storage.elementCount.multipliedReportingOverflow(by: storageSize)),
              declared <= storage.count else {
            throw .badTensor(file: file, tensor: name, reason: "its storage declares \(record.storage.elementCount) "
                + "elements of \(record.storage.dtype) but data/\(record.storage.key) holds \(storage.count) bytes")
        }
        guard let count = Tensor.checkedElementCount(of: record.shape), count.multipliedReportingOverflow(by: size).overflow == false else {
            throw .badTensor(file: file, tensor: name, reason: "shape \(record.shape) is too large")
        }
        if count == 0 { return }
        // A view repeating elements (stride 0, `expand`) is gathered into more bytes than its
        // storage holds: a 2 KB file can ask for terabytes. Refused before anything is allocated
        // when it could not fit in this machine's memory (modest expands, as torch writes them, pass).
        let bytes = count * size  // checked above
        if bytes > declared, UInt64(bytes) > ProcessInfo.processInfo.physicalMemory {
            throw .badTensor(file: file, tensor: name, reason: "its view (shape \(record.shape), strides \(record.strides)) "
                + "repeats a storage of \(declared) bytes into \(bytes) bytes, more than this machine's memory "
                + "(\(ProcessInfo.processInfo.physicalMemory) bytes)")
        }
        var last = record.storageOffset
        for (dimension, stride) in zip(record.shape, record.strides) {
            guard let reach = checked((dimension - 1).multipliedReportingOverflow(by: stride)),
                  let sum = checked(last.addingReportingOverflow(reach)) else {
                throw .badTensor(file: file, tensor: name, reason: "its strides \(record.strides) overflow")
            }
            last = sum
        }
        guard let past = checked(last.addingReportingOverflow(1)),
              let end = checked(past.multipliedReportingOverflow(by: size)), end <= declared else {
            throw .badTensor(file: file, tensor: name, reason: "the view (offset \(record.storageOffset), shape "
                + "\(record.shape), strides \(record.strides)) reaches past its storage of \(declared) bytes")
        }
    }
}

/// The result of reporting arithmetic, or `nil` when it overflowed.
func checked(_ result: (partialValue: Int, overflow: Bool)) -> Int? {
    result.overflow ? nil : result.partialValue
}
