// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Arbor",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ArborTensor", targets: ["ArborTensor"]),
        .library(name: "SafeTensors", targets: ["SafeTensors"]),
        .library(name: "Arbor", targets: ["Arbor"]),
        .library(name: "ArborDistributed", targets: ["ArborDistributed"]),
        .library(name: "ArborCheckpoint", targets: ["ArborCheckpoint"]),
        .library(name: "ArborInterop", targets: ["ArborInterop"]),
        .executable(name: "arbor", targets: ["ArborCLI"]),
        .executable(name: "arbor-bench", targets: ["ArborBench"]),
        .executable(name: "arbor-mpi-check", targets: ["ArborMPICheck"]),
    ],
    // `swift build --traits MPI` adds `MPIProcessGroup` (Open MPI: `libopenmpi-dev`).
    // Off by default, so a plain build and `swift test` need no MPI.
    traits: [
        .trait(name: "MPI", description: "Multi-process collectives on Open MPI (needs libopenmpi-dev and pkg-config)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
    ],
    targets: [
        // CPU kernels that need instruction sets chosen at run time (AVX2/FMA,
        // AVX-512): C functions with their own target attributes, no unsafeFlags.
        .target(name: "CArborKernels"),
        .target(
            name: "ArborTensor",
            dependencies: ["CArborKernels", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "SafeTensors",
            dependencies: ["ArborTensor", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(name: "Arbor", dependencies: ["ArborTensor"]),
        // Example models and training runs (two spirals, a tiny GPT-2 configuration,
        // FSDP runs and their single-process references) for `arbor demo`, `arbor train`,
        // the benchmarks and the tests. Not a product: not part of the API.
        .target(name: "ArborExamples", dependencies: ["Arbor", "ArborDistributed"]),
        // Open MPI's C API behind static inline wrappers (its handles are macros).
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),
        .target(
            name: "ArborDistributed",
            dependencies: ["Arbor", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]
        ),
        // The collective and FSDP checks shared by the tests (thread ranks) and
        // `arbor-mpi-check` (MPI ranks); not a product.
        .target(name: "ArborDistributedChecks", dependencies: ["ArborDistributed", "ArborExamples", "ArborCheckpoint"]),
        .executableTarget(name: "ArborMPICheck", dependencies: ["ArborDistributed", "ArborDistributedChecks"]),
        .target(
            name: "ArborCheckpoint",
            dependencies: ["Arbor", "ArborDistributed", "SafeTensors", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(name: "ArborInterop", dependencies: ["CArborKernels", "Arbor", "SafeTensors", "ArborCheckpoint"]),
        // The CLI's folder and module are `ArborCLI`, not `arbor`: `Arbor` and `arbor`
        // are one path on a case-insensitive disk. The product keeps the name `arbor`.
        .executableTarget(
            name: "ArborCLI",
            dependencies: [
                "ArborTensor", "SafeTensors", "Arbor", "ArborDistributed", "ArborCheckpoint", "ArborInterop", "ArborExamples",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "ArborBench",
            dependencies: [
                "CArborKernels", "ArborTensor", "SafeTensors", "Arbor", "ArborCheckpoint", "ArborInterop", "ArborExamples",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/ArborBench"
        ),
        // Fuzz targets for every parser of untrusted input (Tests/Fuzz/run.sh builds
        // them with libFuzzer; a plain build makes a replay tool). Not a product.
        .executableTarget(
            name: "ArborFuzz",
            dependencies: ["ArborTensor", "SafeTensors", "Arbor", "ArborCheckpoint", "ArborInterop"],
            path: "Tests/Fuzz/ArborFuzz"
        ),
        // `arbor-test-helper`: commands only tests run (`save-loop`, `sharded-save-loop`, `train-steps`) in child
        // processes the tests can kill. Not a product: never shipped with `arbor`.
        .executableTarget(
            name: "arbor-test-helper",
            dependencies: ["Arbor", "ArborCheckpoint", "ArborDistributed", "ArborExamples",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/ArborTestHelper"
        ),
        // Shared test helpers (fixture locations, temporary directories); not shipped.
        .target(name: "ArborTestSupport", dependencies: ["ArborTensor"], path: "Tests/ArborTestSupport"),
        .testTarget(name: "ArborTensorTests", dependencies: ["ArborTensor", "ArborTestSupport"]),
        .testTarget(
            name: "SafeTensorsTests",
            dependencies: ["SafeTensors", "ArborTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "ArborTests", dependencies: ["Arbor", "ArborExamples", "ArborTestSupport"]),
        .testTarget(
            name: "ArborDistributedTests",
            dependencies: ["ArborDistributed", "ArborDistributedChecks", "ArborTestSupport"]
        ),
        .testTarget(name: "ArborCheckpointTests", dependencies: ["ArborCheckpoint", "ArborDistributed", "ArborTestSupport"]),
        .testTarget(
            name: "ArborInteropTests",
            dependencies: ["ArborInterop", "ArborCheckpoint", "ArborExamples", "ArborTestSupport"]
        ),
        .testTarget(
            name: "ArborCLITests",
            dependencies: [
                "ArborCLI", "arbor-test-helper", "ArborInterop", "ArborDistributed", "ArborExamples", "ArborTestSupport",
            ]
        ),
        // Checks on the package as a whole (paths and system calls that must stay portable).
        .testTarget(name: "PackageTests"),
    ],
    swiftLanguageModes: [.v6]
)
