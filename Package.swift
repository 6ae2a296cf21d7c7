// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "DistillBench",
    products: [
        .executable(name: "bench", targets: ["bench"]),
        .library(name: "DistillKit", targets: ["DistillKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CPython", path: "Sources/CPython", pkgConfig: "python3-embed",
            providers: [.apt(["libpython3-dev"])]),
        // Hot elementwise kernels in C so they vectorise (sqrt/div) without fast-math.
        .target(name: "DistillKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]),
        // The numerics are optimised in every configuration: `swift run bench` and `swift test`
        // build debug, where unoptimised hot loops are ~30x slower.  The harness and the command
        // line stay debuggable.  Float semantics are the same at -O (no fast-math), so results
        // do not depend on the configuration.
        .target(name: "DistillKit", dependencies: ["CBLAS", "DistillKernels"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "BenchHarness", dependencies: ["DistillKit", .product(name: "Yams", package: "Yams")]),
        .target(name: "BenchReports", dependencies: ["BenchHarness", "CPython"]),
        .executableTarget(
            name: "bench",
            dependencies: [
                "DistillKit", "BenchHarness", "BenchReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "DistillKitTests", dependencies: ["DistillKit"]),
        .testTarget(name: "BenchHarnessTests", dependencies: ["BenchHarness"]),
        .testTarget(name: "BenchReportsTests", dependencies: ["BenchReports"]),
    ]
)
