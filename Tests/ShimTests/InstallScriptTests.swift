import Foundation
import TelemetryTestSupport
import Testing

/// Scripts/install.sh, checked by Scripts/test-install.sh against a release folder staged as
/// Scripts/release.sh stages it, with the debug `cfdev-telemetry` (no release build needed): a
/// normal install and a reinstall, folders and links in the way, HOME unset, a reinstall to
/// another prefix, and shim links whose install is gone, for `install.sh` and `uninstall`.
@Suite("install.sh")
struct InstallScriptTests {
    static let repository = URL(fileURLWithPath: ProductLocator.fixtures).deletingLastPathComponent().path

    @Test func installsRefusesAndReplacesAsItSays() throws {
        let result = try ChildRunner.run(
            "/bin/bash", [Self.repository + "/Scripts/test-install.sh", "--cli", ProductLocator.cli],
            environment: ProcessInfo.processInfo.environment, timeout: 300)
        #expect(result.status == 0, "\(result.stdout.suffix(4000))\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("test-install.sh: all checks passed"))
        #expect(!result.stdout.contains("FAIL "))
    }
}
