import ArborTensor
import Foundation
import SafeTensors

/// PyTorch state-dict files written as one safetensors file in a single pass,
/// byte-identical to `safetensors.torch.save_file(torch.load(...))`.
///
/// The layout and header come from `SafeTensorsWriter.makePlan`, so the
/// file is the one `SafeTensorsWriter` would write. The data differs only in
/// how it travels: a tensor that is its storage's bytes exactly (the usual
/// case: contiguous, little-endian, offset 0) is read from the archive with
/// `pread` straight into the output's aligned buffers (`PipelinedFileWriter`),
/// its ZIP CRC-32 is computed there while the bytes are in cache, and the
/// writing thread sends the full buffers to the device (direct I/O on Linux)
/// while the next ones are read. One copy in all, and the disk never waits
/// for the reading. Other tensors (views sharing a storage, strided or
/// misaligned ones) are written from their own bytes, after one CRC pass over
/// their storage. A damaged storage is an error naming its entry and nothing
/// is left at the destination (the file is written under a temporary name).
struct PyTorchSafeTensorsWriter {
    /// The files to convert.
    var collection: PyTorchCollection
    /// Their tensors, as `collection.tensors()` made them (views and gathered copies).
    var tensors: StateDict
    /// Most bytes read per system call (and per CRC update).
    var chunkSize = 4 << 20

    /// Where one output tensor's bytes come from.
    private enum Source {
        /// The whole storage of `entry` in `file`: copied and checked in one pass.
        case storage(PyTorchFile, PyTorchFile.Entry)
        /// A tensor made by `PyTorchFile.tensor(for:)`; its storage was checked on its own.
        case tensor(Tensor)
    }

    /// Writes every tensor of the collection to `url` (atomically; with
    /// `durable`, fsynced with its directory as `SafeTensorsWriter` does).
    /// Returns the bytes of tensor data written.
    @discardableResult
    func write(to url: URL, metadata: [String: String], durable: Bool = true) throws -> Int {
        let (entries, sources) = try plannedSources()
        let plan = try SafeTensorsWriter.makePlan(entries: entries, metadata: metadata, file: url.path)
        let output: PipelinedFileWriter
        do { output = try PipelinedFileWriter(destination: url, expectedBytes: plan.fileSize, durable: durable) } catch {
            throw SafeTensorsError.io(error)
        }
        try writing { () throws(FileIOError) in
            try SafeTensorsWriter.emitHeader(of: plan) { (bytes) throws(FileIOError) in try output.write(bytes) }
        }
        for entry in plan.entries {
            guard let source = sources[entry.name] else { continue }
            switch source {
            case let .storage(file, stored):
                var crc = CRC32()
                var offset = stored.storageRange.lowerBound
                file.mapping.willRead(stored.storageRange)
                do {
                    try output.fill(stored.storageRange.count) { (piece) throws(PyTorchFileError) in
                        try read(file, into: piece, at: &offset, crc: &crc)
                    }
                } catch let error as FileIOError {
                    throw SafeTensorsError.io(error)
                }
                try file.checkStorage(of: stored, crc: crc)
            case let .tensor(tensor):
                try writing { () throws(FileIOError) in
                    do { try tensor.forEachByteChunk(maxBytes: chunkSize) { try output.write($0) } } catch let error as FileIOError {
                        throw error
                    } catch {
                        throw FileIOError(path: url.path, operation: "read", reason: "\(entry.name): \(error)")
                    }
                }
            }
        }
        try writing { () throws(FileIOError) in try output.commit() }
        return plan.infos.last?.dataOffsets.upperBound ?? 0
    }

    /// Fills `piece` from `file` at `offset` in reads of at most `chunkSize`
    /// bytes, adding each to `crc`.
    private func read(_ file: PyTorchFile, into piece: UnsafeMutableRawBufferPointer, at offset: inout Int,
                      crc: inout CRC32) throws(PyTorchFileError) {
        var start = 0
        while start < piece.count {
            let part = UnsafeMutableRawBufferPointer(rebasing: piece[start..<min(piece.count, start + chunkSize)])
            do { try file.mapping.read(into: part, at: offset) } catch {
                throw PyTorchFileError.cannotOpen(file: file.url.path, reason: error.reason)
            }
            crc.update(UnsafeRawBufferPointer(part))
            offset += part.count
            start += part.count
        }
    }

    /// The entries to plan with and each one's source. Storages that no
    /// single tensor covers are checked here, once each.
    private func plannedSources() throws -> (entries: [SafeTensorsEntry], sources: [String: Source]) {
        var located: [(file: PyTorchFile, entry: PyTorchFile.Entry)] = []
        var uses: [String: Int] = [:]
        for name in collection.names {
            let found = try collection.locate(name)
            located.append(found)
            uses[Self.storageID(found.file, found.entry), default: 0] += 1
        }
        var entries: [SafeTensorsEntry] = []
        var sources: [String: Source] = [:]
        var verified = Set<String>()
        entries.reserveCapacity(located.count)
        for (file, entry) in located {
            let id = Self.storageID(file, entry)
            guard let tensor = tensors[entry.name] else { throw PyTorchFileError.tensorNotFound(file: file.url.path, tensor: entry.name) }
            entries.append(SafeTensorsEntry(name: entry.name, tensor: tensor))
            if uses[id] == 1, file.coversStorage(entry), !entry.storageRange.isEmpty {
                sources[entry.name] = .storage(file, entry)
            } else {
                if verified.insert(id).inserted { try file.verifyStorage(of: entry) }
                sources[entry.name] = .tensor(tensor)
            }
        }
        return (entries, sources)
    }

    /// Runs `body`, reporting a write failure as `SafeTensorsWriter` does.
    private func writing(_ body: () throws(FileIOError) -> Void) throws(SafeTensorsError) {
        do { try body() } catch { throw .io(error) }
    }

    /// One storage of one file.
    private static func storageID(_ file: PyTorchFile, _ entry: PyTorchFile.Entry) -> String {
        file.url.path + "\u{0}" + entry.record.storage.key
    }
}
