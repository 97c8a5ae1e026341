import ArborInterop
import Crypto
import Foundation

extension Inspection {
    /// `arbor inspect` of PyTorch state-dict files: one row per tensor in the
    /// state dict's order. Offsets are the tensor's bytes in the archive (its
    /// storage's, for a strided view); a checksum is of the tensor's bytes
    /// row-major, so it equals the checksum of the same tensor after
    /// `arbor convert`. There is no JSON header: `header_len` is 0.
    static func make(pytorch collection: PyTorchCollection, url: URL, checksums: Bool) throws -> Inspection {
        var files: [File] = []
        var tensors: [Entry] = []
        // Views may repeat their storage (stride 0), so the sum is checked: a pickle can list one
        // storage under many names.
        var totalBytes = 0
        for file in collection.files {
            for entry in file.entries {
                let (sum, overflow) = totalBytes.addingReportingOverflow(entry.byteCount)
                if overflow {
                    throw PyTorchFileError.badTensor(file: file.url.path, tensor: entry.name,
                                                     reason: "the file's tensor sizes add up to more than \(Int.max) bytes")
                }
                totalBytes = sum
            }
        }
        let progress = ProgressBar("hashing", total: checksums ? totalBytes : 0)
        for file in collection.files {
            files.append(File(file: file.url.path, fileSize: file.mapping.byteCount, headerLen: 0, metadata: nil,
                              tensorCount: file.entries.count))
            for entry in file.entries {
                var digest: String?
                if checksums {
                    digest = try file.tensor(for: entry).withUnsafeBytes { hex(SHA256.hash(data: $0)) }
                    progress.advance(by: entry.byteCount)
                }
                let range = entry.dataRange ?? entry.storageRange
                tensors.append(Entry(name: entry.name, dtype: entry.record.dtype.safetensorsName, shape: entry.record.shape,
                                     nbytes: entry.byteCount, dataOffsets: [range.lowerBound, range.upperBound],
                                     file: file.url.lastPathComponent, sha256: digest))
            }
        }
        progress.finish()
        return Inspection(path: url.path, index: collection.indexURL?.path, metadata: nil, files: files, tensors: tensors,
                          tensorCount: tensors.count, totalBytes: totalBytes)
    }
}
