import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

#if os(Linux)  // tmpfs mounts
/// A home on a read-only or full file system (a small tmpfs mounted for the test): `status`
/// and `show` still work, and `off` either takes effect or says in one plain line what
/// failed and how to stop telemetry anyway.
@Suite("Opting out on a read-only or full disk", .requires(Prerequisite(missing: "mounting a tmpfs needs root") { TmpfsMount.available }))
struct OptOutOnBrokenDiskTests {
    /// A sandbox whose `~/.cfdev` is a 1 MiB tmpfs, with consent on and three pending events.
    func sandboxOnTmpfs() throws -> (Sandbox, TmpfsMount) {
        let sandbox = try Sandbox()
        let mount = try TmpfsMount(at: sandbox.home + "/.cfdev")
        try sandbox.setConsent(.on)
        for command in [["dev", "stop"], ["push", "app"], ["dev", "stop"]] {
            #expect(try sandbox.cfOnTerminal(command).status == 0)
        }
        #expect(try sandbox.pendingEvents().count == 3)
        return (sandbox, mount)
    }

    @Test func readOnlyHome() throws {
        let (sandbox, mount) = try sandboxOnTmpfs()
        defer { mount.unmount() }
        try mount.remountReadOnly()
        let status = try sandbox.cli(["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("3"))
        let show = try sandbox.cli(["show", "--json"])
        #expect(show.status == 0)
        #expect(show.stdout.split(separator: "\n").count == 3)
        for off in [try sandbox.cli(["off"]), try sandbox.cfOnTerminal(["dev", "telemetry", "--off"])] {
            #expect(off.status == 1)
            let text = off.stderr.isEmpty ? off.stdout : off.stderr
            #expect(text.split(whereSeparator: \.isNewline).count == 1)
            #expect(text.contains("DO_NOT_TRACK=1"))
            #expect(text.contains("Read-only file system"))
            #expect(!text.contains("NSCocoaErrorDomain"))
        }
        // The wrapped commands still run and keep their status.
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: ["FAKE_CF_EXIT": "9"]).status == 9)
    }

    @Test func fullHome() throws {
        let (sandbox, mount) = try sandboxOnTmpfs()
        defer { mount.unmount() }
        mount.fill()
        let off = try sandbox.cli(["off"])
        #expect(off.status == 0, "\(off.stderr)")
        #expect(off.stdout.hasPrefix("Telemetry is off"))
        #expect(sandbox.consentState() == .off)
        #expect(try sandbox.cli(["status"]).status == 0)
        // Nothing more is recorded, and the command keeps its status.
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: ["FAKE_CF_EXIT": "2"]).status == 2)
        mount.unfill()
        // Whatever the full disk let the purge do, the push after `off` was not recorded.
        #expect(try sandbox.pendingEvents().filter { $0["event"] as? String == "app_created" }.count <= 1)
    }
}

/// A tmpfs mounted for one test (root only), and how to make it read-only or full.
final class TmpfsMount {
    let path: String

    static let available: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "cfdev-tmpfs-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { rmdir(probe) }
        guard run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]) else { return false }
        _ = run(["umount", probe])
        return true
    }()

    init(at path: String, size: String = "1m") throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run(["mount", "-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", path]) else { throw POSIXError(.EPERM) }
    }

    func remountReadOnly() throws {
        guard Self.run(["mount", "-o", "remount,ro", path]) else { throw POSIXError(.EPERM) }
    }

    var filler: String { path + "/filler" }

    /// Writes zeros until the file system is full.
    func fill() {
        let fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    func unfill() {
        unlink(filler)
    }

    func unmount() {
        _ = Self.run(["umount", "-l", path])
    }

    @discardableResult
    static func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
#endif
