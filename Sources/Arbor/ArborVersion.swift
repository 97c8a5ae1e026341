/// The version of the Arbor package (semantic versioning), as `arbor --version`
/// prints it. One constant, so the library and the command line never disagree.
///
/// ```swift
/// print("built with Arbor \(arborVersion)")
/// ```
public let arborVersion = "0.1.0"
