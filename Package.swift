// swift-tools-version: 6.1
// MemKD: tiny recurrent time-series classifiers by knowledge distillation.
import Foundation
import PackageDescription

/// Hot kernels need an FMA-capable target CPU to vectorise (interop-probe.md, section B).
/// Release builds keep every bounds, overflow and precondition check, like debug builds (the
/// kernels are written so that checks cost little: results/bench-release-checks-ab*.txt).
/// `MEMKD_RELEASE_UNCHECKED=1` adds `-Ounchecked`, only to measure what the checks cost.
let uncheckedRelease = ProcessInfo.processInfo.environment["MEMKD_RELEASE_UNCHECKED"] == "1"
let fastRelease: [SwiftSetting] = [
  .unsafeFlags(
    (uncheckedRelease ? ["-Ounchecked"] : []) + ["-target-cpu", "haswell"],
    .when(configuration: .release))
]

let package = Package(
  name: "MemKD",
  products: [
    .library(name: "MemKDCore", targets: ["MemKDCore"]),
    .library(name: "MemKDPy", type: .dynamic, targets: ["MemKDPy"]),
    .executable(name: "memkd-script", targets: ["memkd-script"]),
    .executable(name: "memkd-bench", targets: ["memkd-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
  ],
  targets: [
    // MARK: System libraries
    .systemLibrary(
      name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(
      name: "CPython", pkgConfig: "python3", providers: [.apt(["libpython3-dev"])]),

    // MARK: Kernels in C
    // SHA-256 of every stored dataset: -O2 even in debug builds, which the tests use.
    .target(name: "CSHA256", cSettings: [.unsafeFlags(["-O2"])]),

    // MARK: Library
    .target(
      name: "MemKDCore",
      dependencies: [
        "CBLAS", "CHDF5", "CSHA256",
        .product(name: "RealModule", package: "swift-numerics"),
      ],
      swiftSettings: fastRelease),

    // MARK: Pipelines (YAML experiment files, cached steps, reports)
    .target(
      name: "MemKDPipeline",
      dependencies: ["MemKDCore", .product(name: "Yams", package: "Yams")]),

    // MARK: Python extension (the only dynamic product; no test target may depend on it)
    .target(
      name: "MemKDPy",
      dependencies: ["MemKDCore", "CPython"],
      swiftSettings: fastRelease),

    // MARK: Tools
    .executableTarget(
      name: "memkd-script",
      dependencies: [
        "MemKDCore", "MemKDPipeline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: fastRelease),
    .executableTarget(
      name: "memkd-bench",
      dependencies: [
        "MemKDCore", "MemKDPipeline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: fastRelease),

    // MARK: Test support (not a product)
    .target(
      name: "MemKDTestSupport",
      dependencies: [
        "MemKDCore",
        .product(name: "RealModule", package: "swift-numerics"),
      ],
      path: "Tests/MemKDTestSupport"),

    // MARK: Tests
    .testTarget(
      name: "MemKDCoreTests",
      dependencies: ["MemKDCore", "MemKDTestSupport"]),
    .testTarget(
      name: "MemKDPipelineTests",
      dependencies: ["MemKDPipeline", "MemKDCore", "MemKDTestSupport"]),
    .testTarget(
      name: "MemKDScriptTests",
      dependencies: [
        "memkd-script", "MemKDCore", "MemKDTestSupport",
      ]),
  ]
)
