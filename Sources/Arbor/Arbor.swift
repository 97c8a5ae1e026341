// `import Arbor` is all a user writes: tensors come along.
@_exported import ArborTensor
