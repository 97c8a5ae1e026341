import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory.
///
/// Tensors loaded from safetensors files are windows into one of these, so opening
/// a file copies nothing and costs the same at any size; the pages are read by the
/// kernel only when touched. The mapping lives as long as any tensor refers to it.
public final class MappedFile: @unchecked Sendable {
    /// The file's location, kept for error messages.
    public let url: URL
    /// First byte of the mapping; `nil` for an empty file (nothing to map).
    public let baseAddress: UnsafeRawPointer?
    /// Size of the file in bytes.
    public let byteCount: Int

    /// Maps `url` read-only. Throws `MappedFileError` naming the file on failure.
    public init(url: URL) throws(MappedFileError) {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: MappedFile.errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: MappedFile.errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(path: path) }
        let size = Int(info.st_size)
        byteCount = size
        if size == 0 {
            baseAddress = nil
            return
        }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw .cannotMap(path: path, reason: MappedFile.errnoText())
        }
        baseAddress = UnsafeRawPointer(pointer)
    }

    /// The mapped bytes (empty for an empty file).
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: baseAddress, count: baseAddress == nil ? 0 : byteCount)
    }

    /// Tells the kernel the whole file will be read soon and in order, which lets
    /// full reads run at disk/page-cache speed instead of one fault per page.
    public func adviseSequential() {
        #if canImport(Glibc)
        if let baseAddress {
            let start = UnsafeMutableRawPointer(mutating: baseAddress)
            _ = madvise(start, byteCount, MADV_SEQUENTIAL)
            _ = madvise(start, byteCount, MADV_WILLNEED)
        }
        #endif
    }

    deinit {
        if let baseAddress { munmap(UnsafeMutableRawPointer(mutating: baseAddress), byteCount) }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Why a file could not be mapped.
public enum MappedFileError: Error, Equatable, CustomStringConvertible {
    /// `open` or `stat` failed.
    case cannotOpen(path: String, reason: String)
    /// The path is a directory, device or other non-file.
    case notARegularFile(path: String)
    /// `mmap` failed.
    case cannotMap(path: String, reason: String)

    /// One line naming the file and the reason.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "\(path): cannot open: \(reason)"
        case let .notARegularFile(path): "\(path): not a regular file"
        case let .cannotMap(path, reason): "\(path): cannot map into memory: \(reason)"
        }
    }
}
