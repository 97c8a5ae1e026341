import ArborTensor
import Foundation

/// Writes safetensors files byte-identical to the reference Python writer
/// (`safetensors.numpy.save_file` 0.8) for the same tensors and at most one
/// metadata key, atomically (see `AtomicFile`).
///
/// ```swift
/// try SafeTensorsWriter.write(["w": weight, "b": bias], metadata: ["format": "pt"], to: url)
/// ```
///
/// Data is written in one pass straight from each tensor's memory: no per-element
/// work, no intermediate copy for large tensors.
public enum SafeTensorsWriter {
    /// A header ready to write: the padded JSON bytes and each tensor's place.
    public struct Plan: Sendable {
        /// The padded JSON header (without the 8-byte length prefix).
        public var header: [UInt8]
        /// Tensors in writing order with their data offsets.
        public var infos: [TensorInfo]
        /// Entries in writing order (parallel to `infos`).
        public var entries: [SafeTensorsEntry]
        /// Size of the file this plan produces.
        public var fileSize: Int { 8 + header.count + (infos.last?.dataOffsets.upperBound ?? 0) }
    }

    /// Writes named tensors to `url`. Order of the input does not matter: the file
    /// is laid out in the reference order (dtype, then name).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String]? = nil, to url: URL,
                             durable: Bool = true) throws(SafeTensorsError) {
        try write(entries: tensors.map { SafeTensorsEntry(name: $0.key, tensor: $0.value) }, metadata: metadata,
                  to: url, durable: durable)
    }

    /// Writes a state dict to `url`.
    public static func write(_ tensors: StateDict, metadata: [String: String]? = nil,
                             to url: URL, durable: Bool = true) throws(SafeTensorsError) {
        try write(entries: tensors.map { SafeTensorsEntry(name: $0.name, tensor: $0.tensor) }, metadata: metadata,
                  to: url, durable: durable)
    }

    /// Writes entries (tensors or raw bytes) to `url` atomically. `durable: false`
    /// skips the `fsync`s (see `AtomicFile.init(destination:durable:)`).
    ///
    /// The write goes through `PipelinedFileWriter`: a writing thread sends
    /// each full buffer to the device (direct I/O on Linux) while the next is
    /// copied, so it ends close to the disk's own speed. That holds without
    /// durability too: filling a gigabyte of fresh page-cache pages took
    /// 0.9–1.0 s on a virtual machine where the direct writes took 0.47 s,
    /// and a large file just written is seldom read back at once.
    public static func write(entries: [SafeTensorsEntry], metadata: [String: String]? = nil, to url: URL,
                             durable: Bool = true) throws(SafeTensorsError) {
        let plan = try makePlan(entries: entries, metadata: metadata, file: url.path)
        do {
            let file = try PipelinedFileWriter(destination: url, expectedBytes: plan.fileSize, durable: durable)
            try emit(plan) { (bytes) throws(FileIOError) in try file.write(bytes) }
            try file.commit()
        } catch {
            throw .io(error)
        }
    }

    /// Hands the file `plan` describes to `write` in order: the length
    /// prefix and header, then every entry's bytes (a mapped tensor read with
    /// `pread` in pieces of `PipelinedFileWriter.bufferBytes`). The one loop
    /// every writer of a plan shares, whatever it writes to.
    package static func emit(_ plan: Plan, _ write: (UnsafeRawBufferPointer) throws(FileIOError) -> Void)
        throws(FileIOError) {
        try emitHeader(of: plan, write)
        for entry in plan.entries {
            try entry.forEachChunk(maxBytes: PipelinedFileWriter.bufferBytes, write)
        }
    }

    /// Hands `plan`'s length prefix and header to `write`.
    package static func emitHeader(of plan: Plan, _ write: (UnsafeRawBufferPointer) throws(FileIOError) -> Void)
        throws(FileIOError) {
        let prefix = lengthPrefix(plan.header.count)
        try prefix.withUnsafeBytes { raw in Result { () throws(FileIOError) in try write(raw) } }.get()
        try plan.header.withUnsafeBytes { raw in Result { () throws(FileIOError) in try write(raw) } }.get()
    }

    /// The whole file as bytes in memory (for small files, tests and hashing).
    public static func serialize(entries: [SafeTensorsEntry], metadata: [String: String]? = nil)
        throws(SafeTensorsError) -> [UInt8] {
        let plan = try makePlan(entries: entries, metadata: metadata, file: "<memory>")
        var out = lengthPrefix(plan.header.count)
        out.reserveCapacity(plan.fileSize)
        out.append(contentsOf: plan.header)
        for entry in plan.entries { entry.withBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// Checks the entries and lays them out: refuses `__metadata__` as a name,
    /// duplicate names, abstract tensors, byte counts that do not match the shape,
    /// and a header over the reference cap. `file` names the target in errors.
    public static func makePlan(entries: [SafeTensorsEntry], metadata: [String: String]?, file: String)
        throws(SafeTensorsError) -> Plan {
        var seen = Set<ExactName>()
        seen.reserveCapacity(entries.count)
        for entry in entries {
            if entry.name == "__metadata__" { throw .reservedName(file: file) }
            guard seen.insert(ExactName(entry.name)).inserted else { throw .duplicateName(file: file, tensor: entry.name) }
            if case let .tensor(tensor) = entry.payload, tensor.isAbstract {
                throw .abstractTensor(file: file, tensor: entry.name)
            }
            let expected = entry.expectedByteCount
            guard expected == entry.byteCount else {
                throw .entryByteCount(file: file, tensor: entry.name, expected: expected, actual: entry.byteCount)
            }
        }
        let ordered = entries.sorted { HeaderEncoder.writesBefore(($0.name, $0.dtype), ($1.name, $1.dtype)) }
        var infos: [TensorInfo] = []
        infos.reserveCapacity(ordered.count)
        var offset = 0
        for entry in ordered {
            let end = offset + entry.byteCount
            infos.append(TensorInfo(name: entry.name, dtype: entry.dtype, shape: entry.shape, dataOffsets: offset..<end))
            offset = end
        }
        let header = HeaderEncoder.encode(infos, metadata: metadata)
        guard header.count <= SafeTensorsHeader.maximumLength else {
            throw .headerOverCap(file: file, headerLength: header.count)
        }
        return Plan(header: header, infos: infos, entries: ordered)
    }

    /// The 8-byte little-endian header length.
    static func lengthPrefix(_ length: Int) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: UInt64(length) >> (8 * UInt64($0))) }
    }
}
