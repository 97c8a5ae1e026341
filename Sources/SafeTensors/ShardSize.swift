/// Maximum shard sizes written the way Hugging Face tools take them: `"2GB"`,
/// `"500MB"`, `"10KB"` (decimal units, as in `transformers`' `max_shard_size`),
/// `"1GiB"` (binary units), or a plain byte count such as `"1048576"`.
///
/// Public, unlike the file helpers of this target: `SafeTensorsWriter.writeSharded`
/// takes a byte count, and a user porting `save_pretrained(max_shard_size="2GB")`
/// or taking a size from their own command line needs the same reading of "2GB"
/// that `arbor convert --max-shard-size` uses.
///
/// ```swift
/// let limit = try ShardSize.parse("2GB")   // 2_000_000_000
/// ```
public enum ShardSize {
    /// Parses `text` into bytes. Units are case-insensitive; the number may have a
    /// fraction (`"1.5GB"`), and the result is truncated to whole bytes as
    /// `huggingface_hub` does. Throws `.invalidShardSize` for anything else or a
    /// size below one byte.
    public static func parse(_ text: String) throws(SafeTensorsError) -> Int {
        let trimmed = text.trimmingWhitespace()
        let units: [(suffix: String, multiplier: Double)] = [
            ("TIB", 1_099_511_627_776), ("GIB", 1_073_741_824), ("MIB", 1_048_576), ("KIB", 1024),
            ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1),
        ]
        let upper = trimmed.uppercased()
        var number = Substring(trimmed)
        var multiplier = 1.0
        for unit in units where upper.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            multiplier = unit.multiplier
            break
        }
        let digits = String(number).trimmingWhitespace()
        guard !digits.isEmpty,
              digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              digits.filter({ $0 == "." }).count <= 1,
              let value = Double(digits) else {
            throw .invalidShardSize(text: text)
        }
        let bytes = value * multiplier
        guard bytes >= 1, bytes < 9.2e18 else { throw .invalidShardSize(text: text) }
        return Int(bytes)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
