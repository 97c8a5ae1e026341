import Foundation

extension PureDict: Codable {
    /// The key a tensor leaf is written under; a node may not use it.
    static let tensorKey = "__tensor__"

    private struct TextKey: CodingKey {
        let stringValue: String
        let intValue: Int?
        init(_ key: PathKey) {
            stringValue = key.text
            intValue = key.index
        }
        init(stringValue: String) {
            self.stringValue = stringValue
            intValue = nil
        }
        init?(intValue: Int) {
            stringValue = String(intValue)
            self.intValue = intValue
        }
    }

    private enum LeafKeys: String, CodingKey { case dtype, shape, data }

    /// A node is an object keyed by its keys' text (JSON has only string keys,
    /// so `0` comes back as `"0"`: `State.replace(byPureDict:)` or
    /// `restoringIntPaths()` turns it back into an index); a tensor is
    /// `{"__tensor__": {"dtype": "float32", "shape": [2], "data": "<base64>"}}`
    /// with the raw little-endian bytes, so every dtype round-trips exactly. An
    /// abstract tensor has no `data`.
    ///
    /// ```swift
    /// let json = try JSONEncoder().encode(state.toPureDict())
    /// try target.replace(byPureDict: JSONDecoder().decode(PureDict.self, from: json))
    /// ```
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TextKey.self)
        switch self {
        case .leaf(let tensor):
            var leaf = container.nestedContainer(keyedBy: LeafKeys.self, forKey: TextKey(stringValue: Self.tensorKey))
            try leaf.encode(tensor.dtype, forKey: .dtype)
            try leaf.encode(tensor.shape, forKey: .shape)
            if !tensor.isAbstract {
                try leaf.encode(tensor.withUnsafeBytes { Data($0) }.base64EncodedString(), forKey: .data)
            }
        case .node(let children):
            for key in children.keys.sorted() {
                if key == .name(Self.tensorKey) {
                    throw EncodingError.invalidValue(self, .init(
                        codingPath: container.codingPath,
                        debugDescription: "the key \"\(Self.tensorKey)\" is reserved for tensors in an encoded PureDict"))
                }
                // Checked above: every key is present.
                try container.encode(children[key] ?? .node([:]), forKey: TextKey(key))
            }
        }
    }

    /// Reads what `encode(to:)` writes; keys come back as names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TextKey.self)
        let keys = container.allKeys
        if keys.count == 1, keys[0].stringValue == Self.tensorKey {
            let leaf = try container.nestedContainer(keyedBy: LeafKeys.self, forKey: keys[0])
            let dtype = try leaf.decode(DType.self, forKey: .dtype)
            let shape = try leaf.decode([Int].self, forKey: .shape)
            guard let text = try leaf.decodeIfPresent(String.self, forKey: .data) else {
                guard shape.allSatisfy({ $0 >= 0 }), let count = Tensor.checkedElementCount(of: shape),
                      dtype.byteCount(forElements: count) != nil else {
                    throw DecodingError.dataCorruptedError(forKey: .shape, in: leaf,
                                                           debugDescription: "invalid shape \(shape) for \(dtype)")
                }
                self = .leaf(Tensor.abstract(shape: shape, dtype: dtype))
                return
            }
            guard let bytes = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(forKey: .data, in: leaf, debugDescription: "data is not base64")
            }
            do {
                self = .leaf(try bytes.withUnsafeBytes { buffer throws(TensorError) in
                    try Tensor(shape: shape, dtype: dtype, copying: buffer)
                })
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .data, in: leaf, debugDescription: String(describing: error))
            }
            return
        }
        var children: [PathKey: PureDict] = [:]
        for key in keys {
            children[.name(key.stringValue)] = try container.decode(PureDict.self, forKey: key)
        }
        self = .node(children)
    }
}
