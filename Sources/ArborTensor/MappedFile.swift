import Foundation
import SystemPackage
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
///
/// The file is opened and inspected with swift-system (`FileDescriptor`,
/// `Errno`); `mmap` and `madvise` are POSIX calls on Linux and macOS alike.
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
        let descriptor: FileDescriptor
        do { descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) } catch {
            throw .cannotOpen(path: path, reason: MappedFile.reason(error))
        }
        defer { try? descriptor.close() }
        let info: Stat
        do { info = try descriptor.stat() } catch {
            throw .cannotOpen(path: path, reason: error.description)
        }
        guard info.type == .regular else { throw .notARegularFile(path: path) }
        guard let size = Int(exactly: info.size) else {
            throw .cannotMap(path: path, reason: "size \(info.size) does not fit in memory")
        }
        byteCount = size
        if size == 0 {
            baseAddress = nil
            return
        }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor.rawValue, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw .cannotMap(path: path, reason: Errno(rawValue: errno).description)
        }
        baseAddress = UnsafeRawPointer(pointer)
    }

    /// The mapped bytes (empty for an empty file).
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: baseAddress, count: baseAddress == nil ? 0 : byteCount)
    }

    /// Tells the kernel the whole file will be read soon and in order, which lets
    /// full reads run at disk/page-cache speed instead of one fault per page.
    /// A hint: where the system ignores it, nothing changes but speed.
    public func adviseSequential() {
        if let baseAddress {
            let start = UnsafeMutableRawPointer(mutating: baseAddress)
            _ = madvise(start, byteCount, MADV_SEQUENTIAL)
            _ = madvise(start, byteCount, MADV_WILLNEED)
        }
    }

    deinit {
        if let baseAddress { munmap(UnsafeMutableRawPointer(mutating: baseAddress), byteCount) }
    }

    /// The system's explanation of a failed swift-system call.
    private static func reason(_ error: any Error) -> String {
        (error as? Errno)?.description ?? "\(error)"
    }
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

    /// The reason alone, without the path (for errors that name the path themselves).
    public var reason: String {
        switch self {
        case let .cannotOpen(_, reason), let .cannotMap(_, reason): reason
        case .notARegularFile: "not a regular file"
        }
    }
}
