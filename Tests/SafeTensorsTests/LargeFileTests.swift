import ArborTensor
import ArborTestSupport
import Foundation
import Testing
@testable import SafeTensors

@Suite("Opening a large file reads only its header")
struct LargeFileTests {
    /// Pages of `range` of `file`'s mapping that are resident in memory.
    private func residentPages(_ file: SafeTensorsFile, _ range: Range<Int>) -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let base = file.mapping.baseAddress else { return 0 }
        let start = (range.lowerBound / page) * page
        let count = (range.upperBound - start + page - 1) / page
        var vector = [UInt8](repeating: 0, count: count)
        let status = mincore(UnsafeMutableRawPointer(mutating: base + start), range.upperBound - start, &vector)
        return status == 0 ? vector.filter { $0 & 1 == 1 }.count : -1
    }

    @Test("a 1 GiB sparse file opens without touching its data pages")
    func sparseGigabyte() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("big.safetensors")
        let size = 1 << 30
        // The header is written by hand and the data left as a hole: the file takes
        // no disk space and reading any data page would show up as resident.
        let text = #"{"huge":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}"#
        let padded = text + String(repeating: " ", count: (8 - text.utf8.count % 8) % 8)
        var prefix = fileImage(padded)
        let fd = open(url.path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(write(fd, &prefix, prefix.count) == prefix.count)
        #expect(ftruncate(fd, off_t(prefix.count + size)) == 0)

        let start = DispatchTime.now().uptimeNanoseconds
        let file = try SafeTensorsFile(contentsOf: url)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let tensor = try file.tensor(named: "huge")
        #expect(tensor.shape == [268_435_456] && tensor.isMemoryMapped)
        #expect(file.fileSize == prefix.count + size)
        // The data section (a hole in a sparse file) has not been paged in.
        let dataRange = (file.header.dataStart + 4096)..<file.fileSize
        #expect(residentPages(file, dataRange) == 0)
        #expect(elapsed < 0.5)
    }
}
