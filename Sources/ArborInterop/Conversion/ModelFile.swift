import Foundation

/// A non-weight file of a model directory (`config.json`, tokenizer files…)
/// by file name: what a conversion carries beside the tensors.
public typealias ModelFile = (name: String, data: Data)
