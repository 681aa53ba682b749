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
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // The C library, named in one place (Glibc or Darwin), with the few wrappers that need it.
        .target(name: "Platform"),
        // The rules every part must agree on, libc only: the telemetry home's path, the
        // consent file's format, the catalog's command words, the environment's kill
        // switches, the front-to-recorder hand-over, safe file access, the clock.
        .target(name: "TelemetryRules", dependencies: ["Platform"]),
        // The shim's entry point: libc only (no Foundation), so unrecorded commands cost
        // almost nothing. Finds the real `cf` (never itself), runs or `exec`s it with the
        // exact bytes typed, and hands candidates to `cfdev-telemetry`.
        .target(name: "ShimFront", dependencies: ["Platform", "TelemetryRules"]),
        // Recording: catalog classification, envelope, privacy, consent, settings, the
        // SQLite spool. No networking here.
        .target(
            name: "TelemetryCore",
            dependencies: [
                "Platform", "TelemetryRules",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The recording half of the shim (run inside `cfdev-telemetry`): the tracked
        // session, the consent question, `cf dev telemetry`, the background flush launch.
        .target(name: "ShimKit", dependencies: ["Platform", "TelemetryRules", "ShimFront", "TelemetryCore"]),
        // A fully static executable: no dynamic loader work, so `cf` starts about as fast as
        // a C program (it runs before every `cf` command).
        .executableTarget(
            name: "cf", dependencies: ["ShimFront"],
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]
        ),
        // zlib, for deterministic gzip of upload batches and for reading them back.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The S3 store, for the client and the team alike: SigV4, the S3 client (proxies,
        // trusted CAs, bounded exchanges, retries, typed errors), the team's AWS credential
        // chain, the upload target built from settings, the access policies, gzip.
        .target(
            name: "TelemetryStore",
            dependencies: [
                "Platform", "TelemetryRules", "TelemetryCore", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The client's upload: the flush's policy (what may be sent, the lock, the deadline, the
        // erasure request first; outcomes returned, nothing printed), the flusher that drains the
        // spool into the store, one at a time (the flush lock), with the store's clock offset remembered.
        .target(name: "TelemetryUpload", dependencies: ["TelemetryRules", "TelemetryCore", "TelemetryStore"]),
        // The team's side: aggregate the bucket into published statistics.
        .target(
            name: "TelemetryReport",
            dependencies: [
                "Platform", "TelemetryRules", "TelemetryStore", "TelemetryCore", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "cfdev-telemetry",
            dependencies: [
                "Platform", "TelemetryRules", "ShimFront", "TelemetryCore", "ShimKit", "TelemetryStore", "TelemetryUpload",
                "TelemetryReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers for tests: real child processes, pseudo terminals, sandboxed homes, and the
        // one harness of the real S3-compatible servers (SeaweedFS, moto, rclone) on loopback,
        // and the fault-injecting proxy in front of them.
        // A test target (it uses the test framework, which only test builds have), so that
        // `swift build` of every regular target never needs it; the other test targets use it.
        .testTarget(
            name: "TelemetryTestSupport",
            dependencies: [
                "CZlib", "Platform", "TelemetryRules", "TelemetryCore", "TelemetryStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/Support",
            exclude: ["fault_proxy.py", "moto_iam_server.py", "credential_stand_in.py", "s3read.py"]
        ),
        .testTarget(name: "TelemetryRulesTests", dependencies: ["TelemetryRules"]),
        .testTarget(name: "ShimFrontTests", dependencies: ["ShimFront"]),
        .testTarget(
            name: "TelemetryCoreTests",
            dependencies: ["TelemetryRules", "ShimFront", "TelemetryCore", "TelemetryTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "ShimTests", dependencies: ["Platform", "TelemetryRules", "TelemetryCore", "TelemetryTestSupport", "cfdev-telemetry"]),
        .testTarget(
            name: "UploadTests",
            dependencies: [
                "Platform", "TelemetryRules", "TelemetryStore", "TelemetryUpload", "TelemetryCore", "TelemetryTestSupport", "cfdev-telemetry",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Support/hostile_proxy.py", "Support/test_ca.py"]
        ),
        // The command-line suites that are not about uploading: settings, doctor and off, the
        // shipped defaults' trust, the user's own AWS settings left alone.
        .testTarget(
            name: "CLITests",
            dependencies: ["Platform", "TelemetryStore", "TelemetryCore", "TelemetryTestSupport", "cfdev-telemetry"]
        ),
        .testTarget(
            name: "ReportTests", dependencies: ["Platform", "TelemetryReport", "TelemetryStore", "TelemetryCore", "TelemetryTestSupport", "cfdev-telemetry"]
        ),
    ]
)
