import ArborTensor

/// A value on the stack of `PickleReader`: the primitive types a state dict
/// is made of, plus the few torch objects the reader builds itself.
///
/// Containers record their nesting depth, so the reader can refuse a stream
/// that nests deeper than `PickleReader.Limits.depth` before anything has to
/// walk (or free) a value recursively. Containers are values: a memoized dict
/// that is filled after `BINPUT` keeps its memoized (earlier) contents, a
/// difference from Python's shared objects that `torch.save`'s streams never
/// show (they fill a container before any `BINGET` of it).
indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([PickleValue], depth: Int)
    case list([PickleValue], depth: Int)
    /// A `dict` or `collections.OrderedDict`, in insertion order.
    case dict([(key: PickleValue, value: PickleValue)], depth: Int)
    /// A global the reader allows (`GLOBAL` of anything else is refused).
    case global(PickleGlobal)
    /// A storage named by a persistent id.
    case storage(PyTorchStorage)
    /// A tensor rebuilt by `_rebuild_tensor_v2`/`_v3`/`_rebuild_parameter`.
    case tensor(PyTorchTensorRecord)

    /// Nesting depth: 0 for a scalar, 1 + the deepest element for a container.
    var depth: Int {
        switch self {
        case let .tuple(_, depth), let .list(_, depth), let .dict(_, depth): depth
        default: 0
        }
    }

    /// A short description for error messages (never walks deep values).
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case let .tuple(items, _): "tuple of \(items.count)"
        case let .list(items, _): "list of \(items.count)"
        case let .dict(items, _): "dict of \(items.count)"
        case let .global(global): global.qualifiedName
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }

    /// A tuple built from `items`.
    static func makeTuple(_ items: [PickleValue]) -> PickleValue {
        .tuple(items, depth: 1 + (items.map(\.depth).max() ?? 0))
    }
}

/// The globals a state-dict pickle may name; `GLOBAL` of anything else is
/// refused before the name is looked up anywhere.
enum PickleGlobal: Sendable, Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildTensorV3
    case rebuildParameter
    /// `torch.FloatStorage` and the other typed storages, by element dtype.
    case typedStorage(name: String, dtype: DType)
    /// `torch.storage.UntypedStorage` (bytes; the tensor carries the dtype).
    case untypedStorage
    /// `torch.float16` and the other dtype objects `_rebuild_tensor_v3` takes.
    case dtype(name: String, dtype: DType)

    /// `module.name` as Python spells it.
    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildTensorV3: "torch._utils._rebuild_tensor_v3"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case let .typedStorage(name, _): "torch.\(name)"
        case .untypedStorage: "torch.storage.UntypedStorage"
        case let .dtype(name, _): "torch.\(name)"
        }
    }

    /// The allowed global `module.name`, or `nil` for every other one.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor_v3"): self = .rebuildTensorV3
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch.storage", "UntypedStorage"): self = .untypedStorage
        case ("torch", _):
            if let dtype = Self.storageTypes[name] {
                self = .typedStorage(name: name, dtype: dtype)
            } else if let dtype = Self.dtypes[name] {
                self = .dtype(name: name, dtype: dtype)
            } else {
                return nil
            }
        default: return nil
        }
    }

    /// torch's typed storage classes (what `torch.save` names) and their element dtypes.
    static let storageTypes: [String: DType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16, "DoubleStorage": .float64,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool, "ComplexFloatStorage": .complex64,
    ]

    /// torch dtype objects (by attribute name on `torch`) and Arbor's dtype.
    static let dtypes: [String: DType] = [
        "float32": .float32, "float": .float32, "float16": .float16, "half": .float16, "bfloat16": .bfloat16,
        "float64": .float64, "double": .float64, "int64": .int64, "long": .int64, "int32": .int32, "int": .int32,
        "int16": .int16, "short": .int16, "int8": .int8, "uint8": .uint8, "bool": .bool,
        "uint16": .uint16, "uint32": .uint32, "uint64": .uint64,
        "float8_e4m3fn": .float8E4M3, "float8_e5m2": .float8E5M2, "float8_e4m3fnuz": .float8E4M3FNUZ,
        "float8_e5m2fnuz": .float8E5M2FNUZ, "float8_e8m0fnu": .float8E8M0, "complex64": .complex64,
    ]
}

/// A storage a tensor views: an entry `data/<key>` of the archive.
public struct PyTorchStorage: Sendable, Equatable {
    /// The archive key (`data/<key>`).
    public var key: String
    /// The element dtype of the storage (`uint8` for an untyped storage).
    public var dtype: DType
    /// Number of elements the persistent id declares.
    public var elementCount: Int
}

/// A tensor as the pickle describes it: a strided view of a storage.
public struct PyTorchTensorRecord: Sendable, Equatable {
    /// The storage viewed.
    public var storage: PyTorchStorage
    /// The tensor's dtype (the storage's, or `_rebuild_tensor_v3`'s argument).
    public var dtype: DType
    /// First element, in elements of `dtype`.
    public var storageOffset: Int
    /// Sizes, outermost first.
    public var shape: [Int]
    /// Strides in elements.
    public var strides: [Int]

    /// Whether the elements are laid out row-major with no gaps (dimensions of
    /// size 1 may have any stride, as in torch's `is_contiguous`).
    public var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if size == 0 { return true }
            guard stride == expected else { return false }
            let (product, overflow) = expected.multipliedReportingOverflow(by: size)
            if overflow { return false }
            expected = product
        }
        return true
    }
}
