/// The group of one: every collective returns this process's own data. The
/// default when nothing is launched in parallel.
public struct SingleProcessGroup: ProcessGroup {
    /// The only group member.
    public init() {}

    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// Returns at once.
    public func barrier() throws(ProcessGroupError) {}

    /// `bytes` (the only root is 0).
    public func broadcast(bytes: [UInt8], root: Int) throws(ProcessGroupError) -> [UInt8] {
        guard root == 0 else { throw .invalidRank(root, size: 1) }
        return bytes
    }

    /// `[bytes]`.
    public func allGather(bytes: [UInt8]) throws(ProcessGroupError) -> [[UInt8]] { [bytes] }
}
