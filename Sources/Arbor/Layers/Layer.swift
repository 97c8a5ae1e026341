import ArborTensor

/// A module that maps one tensor to one tensor, so it can sit in a `Sequential`.
public protocol Layer: Module {
    /// Applies the layer.
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// A module whose behaviour differs between training and evaluation
/// (`BatchNorm`, `Dropout`); `Sequential` forwards the flag to its elements.
public protocol TrainingModeSettable: AnyObject {
    /// `true` while training (batch statistics, random masks).
    var isTraining: Bool { get set }
}
