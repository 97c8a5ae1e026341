import ArborTensor

/// The torch half of `PickleReader`: which globals a stream may name, what
/// `REDUCE`, `BINPERSID` and `BUILD` may do with them. Nothing here calls
/// anything a stream names; each allowed call is re-implemented as the
/// record it would build.
extension PickleReader {
    /// The global `module.name` if it is allowed, else a refusal naming it.
    func allowedGlobal(module: String, name: String) throws(PyTorchFileError) -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name) else {
            throw refused("only torch's tensor-rebuild functions, storage types, dtypes and collections.OrderedDict "
                + "may be named in a state dict; loading this with torch.load would run \(module).\(name)",
                global: "\(module).\(name)")
        }
        return global
    }

    /// `callable(*arguments)` for the allowed callables.
    func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws(PyTorchFileError) -> PickleValue {
        guard case let .global(global) = callable else {
            throw refused("calls a \(callable.kind), not an allowed function")
        }
        guard case let .tuple(args, _) = arguments else {
            throw malformed("\(global.qualifiedName) called with a \(arguments.kind), not an argument tuple")
        }
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw malformed("collections.OrderedDict called with arguments") }
            return .dict([], depth: 1)
        case .rebuildTensorV2, .rebuildTensorV3:
            return .tensor(try rebuildTensor(args, global: global))
        case .rebuildParameter:
            // _rebuild_parameter(data, requires_grad, backward_hooks): the data is the tensor.
            guard args.count == 3, case let .tensor(record) = args[0] else {
                throw malformed("torch._utils._rebuild_parameter needs (tensor, requires_grad, hooks)")
            }
            return .tensor(record)
        case .typedStorage, .untypedStorage, .dtype:
            throw refused("constructs \(global.qualifiedName) directly; torch.save names storages by persistent id",
                          global: global.qualifiedName)
        }
    }

    /// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])` or
    /// `_rebuild_tensor_v3(…, hooks, dtype[, metadata])` as a record.
    private func rebuildTensor(_ args: [PickleValue], global: PickleGlobal) throws(PyTorchFileError) -> PyTorchTensorRecord {
        let v3 = global == .rebuildTensorV3
        guard args.count >= (v3 ? 7 : 6), args.count <= (v3 ? 8 : 7) else {
            throw malformed("\(global.qualifiedName) called with \(args.count) arguments")
        }
        guard case let .storage(storage) = args[0] else {
            throw malformed("\(global.qualifiedName): the first argument is a \(args[0].kind), not a storage")
        }
        guard case let .int(offset) = args[1], offset >= 0 else {
            throw malformed("\(global.qualifiedName): the storage offset is not a non-negative int")
        }
        let shape = try integers(args[2], what: "size")
        let strides = try integers(args[3], what: "stride")
        guard shape.count == strides.count else {
            throw malformed("\(global.qualifiedName): \(shape.count) sizes but \(strides.count) strides")
        }
        // args[5] is backward_hooks (an empty OrderedDict) and args.last may be
        // metadata: neither changes the bytes, so they are not interpreted.
        var dtype = storage.dtype
        if v3 {
            guard case let .global(.dtype(_, tensorDType)) = args[6] else {
                throw malformed("torch._utils._rebuild_tensor_v3: the dtype argument is a \(args[6].kind)")
            }
            dtype = tensorDType
        }
        return PyTorchTensorRecord(storage: storage, dtype: dtype, storageOffset: offset, shape: shape, strides: strides)
    }

    /// A tuple of non-negative ints.
    private func integers(_ value: PickleValue, what: String) throws(PyTorchFileError) -> [Int] {
        guard case let .tuple(items, _) = value else { throw malformed("the tensor's \(what) is a \(value.kind), not a tuple") }
        var result: [Int] = []
        for item in items {
            guard case let .int(number) = item, number >= 0 else {
                throw malformed("the tensor's \(what) holds \(item.kind == "int" ? "a negative int" : "a \(item.kind)")")
            }
            result.append(number)
        }
        return result
    }

    /// torch's persistent id `('storage', StorageType, key, location, numel)`.
    func persistentLoad(_ id: PickleValue) throws(PyTorchFileError) -> PickleValue {
        guard case let .tuple(parts, _) = id, parts.count == 5, case .string("storage") = parts[0] else {
            throw refused("unknown persistent id (a \(id.kind)); torch.save writes ('storage', type, key, location, numel)")
        }
        let dtype: DType
        switch parts[1] {
        case let .global(.typedStorage(_, storageDType)): dtype = storageDType
        case .global(.untypedStorage): dtype = .uint8
        default: throw refused("persistent id names a \(parts[1].kind), not a torch storage type")
        }
        guard case let .string(key) = parts[2], case .string = parts[3], case let .int(count) = parts[4], count >= 0 else {
            throw refused("persistent id is not ('storage', type, key: str, location: str, numel: int)")
        }
        return .storage(PyTorchStorage(key: key, dtype: dtype, elementCount: count))
    }

    /// `BUILD`: only `OrderedDict.__setstate__` with the `_metadata` that
    /// `Module.state_dict()` attaches (versions of the modules), which is dropped.
    func build(_ object: PickleValue, state: PickleValue) throws(PyTorchFileError) -> PickleValue {
        guard case .dict = object, case .dict = state else {
            throw refused("sets the state of a \(object.kind) (only a state dict's OrderedDict may carry _metadata)")
        }
        return object
    }
}
