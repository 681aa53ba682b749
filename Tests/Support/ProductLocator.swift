import Foundation

/// Finds the built `cf` shim and `cfdev-telemetry` executables for tests that run them as
/// real child processes: `CFDEV_TELEMETRY_BIN_DIR`, else beside the test bundle.
package enum ProductLocator {
    package static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["CFDEV_TELEMETRY_BIN_DIR"], !dir.isEmpty { return dir }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("cfdev-telemetry").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug").path
    }

    package static var shim: String { binDirectory + "/cf" }
    package static var cli: String { binDirectory + "/cfdev-telemetry" }

    /// The repository's `Fixtures/` folder.
    package static var fixtures: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }
}
