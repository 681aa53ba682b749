import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

/// The release archive as a user gets it, checked by Scripts/test-release.sh: it runs when a
/// release of this version was built (Scripts/release.sh, a ~10-minute release build, or
/// `CFDEV_TELEMETRY_RELEASE_ARCHIVE=PATH`), since the debug build of the tests does not make one.
@Suite("Release archive")
struct ReleaseArchiveTests {
    static let repository = URL(fileURLWithPath: ProductLocator.fixtures).deletingLastPathComponent().path

    static var archive: String? {
        if let path = ProcessInfo.processInfo.environment["CFDEV_TELEMETRY_RELEASE_ARCHIVE"], !path.isEmpty { return path }
        let dist = repository + "/dist"
        let prefix = "cfdev-telemetry-\(BuildInfo.version)-linux-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dist)) ?? []
        return names.first { $0.hasPrefix(prefix) && $0.hasSuffix(".tar.gz") }.map { dist + "/" + $0 }
    }

    @Test(.requires(Prerequisite(missing: "no release archive of this version: run Scripts/release.sh first") { archive != nil }))
    func installsAndRunsWithoutSwift() throws {
        let archive = try #require(Self.archive)
        let result = try ChildRunner.run(
            "/bin/bash", [Self.repository + "/Scripts/test-release.sh", archive],
            environment: ProcessInfo.processInfo.environment, timeout: 600)
        #expect(result.status == 0, "\(result.stdout.suffix(4000))\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("test-release.sh: all checks passed"))
    }
}
