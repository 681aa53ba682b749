import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

/// The telemetry home may hold links, FIFOs, a foreign owner or a read-only or full disk:
/// none of it is written through, hangs anything, or changes what `cf` does.
@Suite("The telemetry home on hostile ground")
struct TelemetryHomeHostileTests {
    /// A file outside the home that a planted link points at, with its bytes and mode.
    struct Victim {
        let path: String
        let contents = Data("precious, not telemetry\n".utf8)

        init(_ sandbox: Sandbox) throws {
            path = sandbox.root + "/victim"
            try contents.write(to: URL(fileURLWithPath: path))
            chmod(path, 0o644)
        }

        var untouched: Bool {
            var info = stat()
            return FileManager.default.contents(atPath: path) == contents && stat(path, &info) == 0 && info.st_mode & 0o777 == 0o644
        }
    }

    func dir(_ sandbox: Sandbox) throws -> String {
        let dir = sandbox.telemetryHome.directory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return dir
    }

    @Test("a link planted in the home is never written through", arguments: ["consent.json.tmp", "telemetry.log", "spool.sqlite", "spool.sqlite-wal", "consent.json"])
    func plantedLink(_ name: String) throws {
        let sandbox = try Sandbox()
        let victim = try Victim(sandbox)
        let home = try dir(sandbox)
        if name != "consent.json" { try sandbox.setConsent(.on) }
        try FileManager.default.createSymbolicLink(atPath: home + "/" + name, withDestinationPath: victim.path)
        // Turning on, recording, a spool that cannot be used (which logs), showing, turning off.
        _ = try sandbox.cli(["on"])
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: ["FAKE_CF_EXIT": "4"]).status == 4)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"], env: ["CFDEV_TELEMETRY_SYNC": ""]).status == 0)
        _ = try sandbox.waitForPendingEvents(3)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: home + "/spool.sqlite-corrupt-me"))
        #expect(try sandbox.cli(["status"]).status == 0)
        #expect(try sandbox.cli(["off"]).status == 0)
        #expect(victim.untouched)
        #expect(sandbox.consentState() == .off)
    }

    @Test("a telemetry folder that is a link, foreign or writable by others is refused", arguments: ["link", "foreign", "open"])
    func refusedFolder(_ kind: String) throws {
        let sandbox = try Sandbox()
        let home = sandbox.telemetryHome.directory
        let elsewhere = sandbox.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try FileManager.default.createDirectory(atPath: (home as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var expectedMode: mode_t = 0o755
        switch kind {
        case "link": try FileManager.default.createSymbolicLink(atPath: home, withDestinationPath: elsewhere)
        case "foreign":
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            #expect(chown(home, 4242, 4242) == 0)
            expectedMode = 0o700
        default:
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            chmod(home, 0o777)
            expectedMode = 0o777
        }
        let checked = kind == "link" ? elsewhere : home
        // Consent "on" where a reader would look: the refusal must win over it.
        try Data("{\"policy_version\":1,\"state\":\"on\",\"time\":\"2026-01-01T00:00:00.000Z\"}\n".utf8)
            .write(to: URL(fileURLWithPath: checked + "/consent.json"))
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: ["FAKE_CF_EXIT": "5"]).status == 5)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"], env: ["CFDEV_TELEMETRY_SYNC": ""]).status == 0)
        usleep(300_000)
        let status = try sandbox.cli(["status"])
        #expect(status.stdout.contains("refused") || status.stderr.contains("refused"))
        let on = try sandbox.cli(["on"])
        #expect(on.status == 1)
        #expect(on.stderr.split(separator: "\n").count == 1)
        #expect(on.stderr.contains("refused"))
        let names = try FileManager.default.contentsOfDirectory(atPath: checked)
        #expect(names == ["consent.json"])
        var info = stat()
        #expect(lstat(checked, &info) == 0 && info.st_mode & 0o777 == expectedMode)
        #expect(try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8) == "push app\ndev stop\n")
    }

    @Test("a FIFO in the home hangs nothing", arguments: ["consent.json", "spool.sqlite", "telemetry.log", "config.json"])
    func fifo(_ name: String) throws {
        let sandbox = try Sandbox()
        if name != "consent.json" { try sandbox.setConsent(.on) }
        let home = try dir(sandbox)
        #expect(mkfifo(home + "/" + name, 0o600) == 0)
        // Each would block forever on the FIFO: the runner's bound (60 s) would kill it.
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: ["FAKE_CF_EXIT": "6"]).status == 6)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"], env: ["CFDEV_TELEMETRY_SYNC": ""]).status == 0)
        #expect(try sandbox.cfOnTerminal(["dev", "start"], input: "n\n", inputDelay: 0.3).status == 0)
        #expect(try sandbox.cli(["status"]).signal == nil)
        #expect(try sandbox.cli(["show"]).status == 0)
        #expect(try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8) == "push app\ndev stop\ndev start\n")
        if name != "consent.json" && name != "config.json" {
            // Recording goes on: the FIFO spool is moved aside, the log is skipped.
            let events = try sandbox.waitForPendingEvents(5)
            // (`dev stop` is recorded in the background, so it may land after `dev start`.)
            #expect(events.compactMap { $0["event"] as? String }.sorted() == ["app_created", "error", "start_begin", "start_end", "stop"])
        }
    }

    @Test("a FIFO, folder or link at flush.lock: flush says so in one line and keeps the events", arguments: ["fifo", "folder", "link"])
    func flushLockThatIsNotAFile(_ kind: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"], env: ["CFDEV_TELEMETRY_SYNC": "1"]).status == 0)
        _ = try sandbox.waitForPendingEvents(1)
        let lock = sandbox.telemetryHome.flushLockPath
        switch kind {
        case "fifo": #expect(mkfifo(lock, 0o600) == 0)
        case "folder": #expect(mkdir(lock, 0o700) == 0)
        default: #expect(symlink(sandbox.root + "/elsewhere", lock) == 0)
        }
        // A store nobody answers at: the lock is taken (or refused) before any request.
        let flush = try sandbox.cli(
            ["flush"], env: ["CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9", "CFDEV_TELEMETRY_BUCKET": "b"])
        #expect(flush.status == 1, "\(flush.stderr)")
        let lines = flush.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("flush.lock"), "\(flush.stderr)")
        #expect(try sandbox.waitForPendingEvents(1).count == 1)
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/elsewhere"))
    }

    @Test("FIFOs outside the home (the CF CLI's config, the machine ID) hang nothing", arguments: ["cf-config", "machine-id"])
    func fifoOutside(_ which: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let path = which == "cf-config" ? sandbox.home + "/.cf/config.json" : sandbox.machineIDFile
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o600) == 0)
        #expect(try sandbox.cfOnTerminal(["push", "app"]).status == 0)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"]).status == 0)
        // No target means the push is not CF Dev's; the machine ID falls back to a random one.
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == (which == "cf-config" ? ["stop"] : ["app_created", "stop"]))
    }

    @Test("a huge or binary consent file counts as never asked", arguments: [10 << 20, 5000])
    func hugeConsent(_ size: Int) throws {
        let sandbox = try Sandbox()
        let home = try dir(sandbox)
        var bytes = Data("{\"policy_version\":1,\"state\":\"on\",\"time\":\"".utf8)
        bytes.append(Data(repeating: 0xff, count: size))
        try bytes.write(to: URL(fileURLWithPath: home + "/consent.json"))
        #expect(try sandbox.cfOnTerminal(["push", "app"]).status == 0)
        let start = try sandbox.cfOnTerminal(["dev", "start"], input: "n\n", inputDelay: 0.3)
        #expect(start.stdout.contains("[y/N]"))
        #expect(sandbox.consentState() == .off)
        #expect(try sandbox.pendingEvents().isEmpty)
    }

    @Test func statusAndShowBeforeConsentCreateNothing() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.cli(["status"]).status == 0)
        #expect(try sandbox.cli(["show"]).stdout.contains("No pending events"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.telemetryHome.directory))
    }
}

extension Sandbox {
    /// The consent as saved now.
    func consentState() -> ConsentState {
        ConsentStore(home: telemetryHome).state()
    }
}
