import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryTestSupport
import Testing

import Platform

private let asRoot = Prerequisite(missing: "the managed policy must be root's: these tests need root") { geteuid() == 0 }
private let privateEtc = Prerequisite(missing: "a private /etc needs root and util-linux's unshare") {
    geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
}

/// The machine-wide off switch (`/etc/cfdev-telemetry/managed.json`): read as the shim's front
/// and every command read it, trusted only when root's alone.
@Suite("the managed policy file", .requires(asRoot))
struct ManagedPolicyFileTests {
    let folder = TemporaryFolder("managed-policy")

    func file(_ text: String, mode: mode_t = 0o644, folderMode: mode_t = 0o755) throws -> String {
        let dir = folder.path + "/etc-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(chmod(dir, folderMode) == 0)
        let path = dir + "/managed.json"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        #expect(chmod(path, mode) == 0)
        return path
    }

    @Test("what the file says, and when it is not trusted")
    func states() throws {
        #expect(ManagedPolicy.state(path: folder.path + "/none/managed.json") == .absent)
        #expect(ManagedPolicy.state(path: try file(#"{"disabled": true}"#)) == .disabled(reason: nil))
        #expect(ManagedPolicy.state(path: try file(" {\"disabled\":false}\n")) == .allowed)
        // Not understood, but root's: off, the side of privacy.
        for text in [#"{"disabled": True}"#, #"{"disabled": "yes"}"#, "", "[]", #"{"disabled": true, "disabled": false}"#] {
            guard case .disabled(let reason?) = ManagedPolicy.state(path: try file(text)) else {
                Issue.record("\(text): expected disabled with a reason")
                continue
            }
            #expect(reason.contains("taken as disabled"))
        }
        // Another user could have written it: ignored, with the reason.
        #expect(ManagedPolicy.state(path: try file(#"{"disabled": true}"#, mode: 0o666)) == .untrusted("it is writable by group or others (mode 666)"))
        #expect(ManagedPolicy.state(path: try file(#"{"disabled": true}"#, mode: 0o664)) == .untrusted("it is writable by group or others (mode 664)"))
        let openFolder = try file(#"{"disabled": true}"#, folderMode: 0o777)
        #expect(ManagedPolicy.state(path: openFolder) == .untrusted("its folder \((openFolder as NSString).deletingLastPathComponent) is writable by group or others (mode 777)"))
        let owned = try file(#"{"disabled": true}"#)
        #expect(chown(owned, 65534, 65534) == 0)
        #expect(ManagedPolicy.state(path: owned) == .untrusted("it is not owned by root (uid 65534)"))
        let huge = try file("{\"disabled\": true" + String(repeating: " ", count: 5000) + "}")
        #expect(ManagedPolicy.state(path: huge) == .untrusted("it is larger than 4096 bytes"))
        let fifo = folder.path + "/fifo.json"
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(ManagedPolicy.state(path: fifo) == .untrusted("it is not a regular file"))
        // A link to a trusted file is followed (configuration management links files).
        let link = folder.path + "/link.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try file(#"{"disabled": true}"#))
        #expect(ManagedPolicy.state(path: link) == .disabled(reason: nil))
    }
}

#if os(Linux)  // a mount namespace (util-linux's unshare) with a tmpfs /etc
/// The products under a private `/etc` (a mount namespace) holding `managed.json`.
@Suite("a machine whose administrator turned telemetry off", .requires(privateEtc))
struct ManagedMachineTests {
    /// Runs `executable ARGS` with `/etc` replaced by a tmpfs holding only `managed` (if any) as
    /// `/etc/cfdev-telemetry/managed.json` with `mode`; on a terminal when `terminal`.
    func run(
        _ sandbox: Sandbox, _ executable: String, _ arguments: [String], managed: String?, mode: String = "644",
        terminal: Bool = false, env: [String: String] = [:]
    ) throws -> ProcessResult {
        let setUp =
            "mount -t tmpfs tmpfs /etc && mkdir -p /etc/cfdev-telemetry && chmod 755 /etc/cfdev-telemetry"
            + (managed == nil ? "" : " && printf %s \"$1\" > /etc/cfdev-telemetry/managed.json && chmod \(mode) /etc/cfdev-telemetry/managed.json")
            + " && shift && exec \"$@\""
        let wrapped = ["--mount", "--propagation", "private", "/bin/sh", "-c", setUp, "sh", managed ?? "", executable] + arguments
        let environment = sandbox.environment(env)
        return terminal
            ? try ChildRunner.runOnTerminal("/usr/bin/unshare", wrapped, environment: environment)
            : try ChildRunner.run("/usr/bin/unshare", wrapped, environment: environment)
    }

    @Test("no question, nothing recorded or sent, `on` refused naming the file; status and doctor say so")
    func offForEveryUser() throws {
        let off = #"{"disabled": true}"#
        let sandbox = try Sandbox()
        // The consent question is never asked; the real cf still runs.
        let start = try run(sandbox, sandbox.shimDir + "/cf", ["dev", "start"], managed: off, terminal: true)
        #expect(start.status == 0)
        #expect(!start.stdout.contains("[y/N]"), "\(start.stdout)")
        #expect(try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8).contains("dev start"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.telemetryHome.directory))

        // A user who had said yes: nothing more is recorded.
        try sandbox.setConsent(.on)
        let push = try run(sandbox, sandbox.shimDir + "/cf", ["push", "app"], managed: off, terminal: true)
        #expect(push.status == 0)
        #expect(try sandbox.pendingEvents().isEmpty)

        let on = try run(sandbox, ProductLocator.cli, ["on"], managed: off)
        #expect(on.status == 1)
        #expect(on.stderr.split(separator: "\n").count == 1, "\(on.stderr)")
        #expect(on.stderr.contains("turned off for every user of this machine by /etc/cfdev-telemetry/managed.json"), "\(on.stderr)")
        let cfOn = try run(sandbox, sandbox.shimDir + "/cf", ["dev", "telemetry", "--on"], managed: off, terminal: true)
        #expect(cfOn.status == 1 && cfOn.stdout.contains("/etc/cfdev-telemetry/managed.json"), "\(cfOn.stdout)")

        let status = try run(sandbox, ProductLocator.cli, ["status"], managed: off)
        #expect(status.stdout.contains("telemetry is turned off for every user of this machine by /etc/cfdev-telemetry/managed.json"), "\(status.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(try run(sandbox, ProductLocator.cli, ["status", "--json"], managed: off).stdout.utf8)) as? [String: Any]
        #expect(json?["disabled_by_managed_policy"] as? String == "/etc/cfdev-telemetry/managed.json")
        let doctor = try run(sandbox, ProductLocator.cli, ["doctor"], managed: off)
        #expect(doctor.stdout.contains("note telemetry is turned off for every user of this machine"), "\(doctor.stdout)")
        let flush = try run(sandbox, ProductLocator.cli, ["flush"], managed: off)
        #expect(flush.status == 0 && flush.stdout.contains("Nothing sent: telemetry is turned off for every user"), "\(flush.stdout)")

        // Without the file, the same user's yes counts again.
        let later = try run(sandbox, sandbox.shimDir + "/cf", ["push", "app"], managed: nil, terminal: true)
        #expect(later.status == 0)
        #expect(try sandbox.pendingEvents().count == 1)
    }

    @Test("a managed file another user could have written is ignored, and said to be")
    func untrustedFileIsIgnored() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let push = try run(sandbox, sandbox.shimDir + "/cf", ["push", "app"], managed: #"{"disabled": true}"#, mode: "666", terminal: true)
        #expect(push.status == 0)
        #expect(try sandbox.pendingEvents().count == 1)
        let status = try run(sandbox, ProductLocator.cli, ["status"], managed: #"{"disabled": true}"#, mode: "666")
        #expect(status.stdout.contains("Ignored:         /etc/cfdev-telemetry/managed.json: it is writable by group or others (mode 666)"), "\(status.stdout)")
        // {"disabled": false}: users decide.
        let allowed = try run(sandbox, sandbox.shimDir + "/cf", ["push", "app"], managed: #"{"disabled": false}"#, terminal: true)
        #expect(allowed.status == 0)
        #expect(try sandbox.pendingEvents().count == 2)
    }
}
#endif
