/// Somewhere a file's bytes go in order until `commit()` puts the file in
/// place: `AtomicFile` (buffered) or `PipelinedFileWriter` (a writing thread,
/// direct I/O), so a writer picks the path without writing its loop twice.
package protocol FileSink: AnyObject {
    /// Appends `bytes` (valid only for the call).
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError)
    /// Appends the bytes of an array.
    func write(_ bytes: [UInt8]) throws(FileIOError)
    /// Makes the file complete and puts it at its destination.
    func commit() throws(FileIOError)
}

extension AtomicFile: FileSink {}
extension PipelinedFileWriter: FileSink {}
