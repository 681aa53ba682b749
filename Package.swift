// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cfdev-telemetry",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cf", targets: ["cf"]),
        .executable(name: "cfdev-telemetry", targets: ["cfdev-telemetry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Recording: catalog, envelope, privacy, consent, configuration, the SQLite spool.
        // No networking here: the shim links this and nothing heavier.
        // The shim's entry point: libc only (no Foundation), so unrecorded commands cost
        // almost nothing. Hands candidates to `cfdev-telemetry __shim`.
        .target(name: "ShimFront"),
        .target(
            name: "TelemetryCore",
            dependencies: [
                "ShimFront",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The shim's process handling: finding the real `cf`, running it, signals, exit status.
        .target(name: "ShimKit", dependencies: ["ShimFront", "TelemetryCore"]),
        // A fully static executable: no dynamic loader work, so `cf` starts about as fast as
        // a C program (it runs before every `cf` command).
        .executableTarget(
            name: "cf", dependencies: ["ShimFront"],
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]
        ),
        // zlib, for deterministic gzip of upload batches and for reading them back.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Upload: SigV4, the S3 client, batches, the flusher.
        .target(
            name: "TelemetryUpload",
            dependencies: [
                "TelemetryCore", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The team's side: aggregate the bucket into published statistics.
        .target(
            name: "TelemetryReport",
            dependencies: [
                "TelemetryUpload", "TelemetryCore", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "cfdev-telemetry",
            dependencies: [
                "TelemetryCore", "ShimKit", "TelemetryUpload", "TelemetryReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers for tests: real child processes, pseudo terminals, sandboxed homes.
        .target(name: "TelemetryTestSupport", dependencies: ["TelemetryCore"], path: "Tests/Support"),
        .testTarget(name: "TelemetryCoreTests", dependencies: ["TelemetryCore", "TelemetryTestSupport"]),
        .testTarget(name: "ShimTests", dependencies: ["TelemetryCore", "TelemetryTestSupport", "cfdev-telemetry"]),
        .testTarget(
            name: "UploadTests",
            dependencies: ["TelemetryUpload", "TelemetryCore", "TelemetryTestSupport", "cfdev-telemetry"],
            exclude: ["Support/s3read.py", "Support/fault_proxy.py"]
        ),
        .testTarget(name: "ReportTests", dependencies: ["TelemetryReport", "TelemetryUpload", "TelemetryTestSupport", "cfdev-telemetry"]),
    ]
)
