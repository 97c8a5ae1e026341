import ArborTensor

extension PyTorchFile {
    /// The archive entry name of an entry's storage (`archive/data/3`), as
    /// errors name it.
    public func storageEntryName(of entry: Entry) -> String {
        archiveName + "/data/" + entry.record.storage.key
    }

    /// Whether `entry`'s tensor is its storage's bytes exactly (contiguous,
    /// offset 0, the storage's whole length): its copy then checks the
    /// storage's CRC-32 on the way, with no pass of its own.
    public func coversStorage(_ entry: Entry) -> Bool {
        entry.dataRange == entry.storageRange
    }

    /// Reads `entry`'s whole storage with `pread` (a file truncated meanwhile
    /// is an error, not a `SIGBUS`) and checks it against the archive's
    /// CRC-32. For storages no single tensor covers (shared, sliced or
    /// strided views); a covering tensor is checked as it is copied.
    public func verifyStorage(of entry: Entry) throws(PyTorchFileError) {
        let range = entry.storageRange
        var crc = CRC32()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(1 << 20, max(1, range.count)), alignment: 64)
        defer { buffer.deallocate() }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, range.upperBound - offset)])
            do { try mapping.read(into: chunk, at: offset) } catch { throw .cannotOpen(file: url.path, reason: error.reason) }
            crc.update(UnsafeRawBufferPointer(chunk))
            offset += chunk.count
        }
        try checkStorage(of: entry, crc: crc)
    }

    /// Throws `checksumMismatch` naming the storage's entry unless `crc` is
    /// the CRC-32 the archive records for it.
    public func checkStorage(of entry: Entry, crc: CRC32) throws(PyTorchFileError) {
        guard crc.value == entry.storageCRC32 else {
            throw .checksumMismatch(file: url.path, entry: storageEntryName(of: entry), expected: entry.storageCRC32,
                                    actual: crc.value)
        }
    }
}

extension PyTorchCollection {
    /// Checks every storage of every file against its ZIP CRC-32, reading
    /// each once with `pread`. Conversions to one safetensors file check on
    /// their copy pass instead; this is for the other outputs (and tools).
    public func verifyChecksums() throws(PyTorchFileError) {
        for file in files {
            var seen = Set<String>()
            for entry in file.entries where seen.insert(entry.record.storage.key).inserted {
                try file.verifyStorage(of: entry)
            }
        }
    }
}
