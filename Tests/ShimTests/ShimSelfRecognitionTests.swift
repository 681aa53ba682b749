import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

/// The shim never runs itself: copies of it on PATH, a different build installed twice, or
/// `CFDEV_TELEMETRY_REAL_CF` naming it are recognised, and the real `cf` runs once.
@Suite("The shim recognises every copy of itself")
struct ShimSelfRecognitionTests {
    /// A folder holding `cf` made by `make` (a copy, a link chain, a modified copy).
    static func folder(_ sandbox: Sandbox, _ name: String, _ make: (String) throws -> Void) throws -> String {
        let dir = sandbox.root + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try make(dir + "/cf")
        return dir
    }

    static func copyOfShim(to path: String, appending extra: Data = Data()) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: ProductLocator.shim))
        bytes.append(extra)
        // (A close-on-exec descriptor: a child another test spawns meanwhile must not hold the
        // copy open for writing, which makes exec fail with ETXTBSY.)
        try Sandbox.writeExecutable(path, bytes: Array(bytes))
        chmod(path, 0o755)
    }

    func fakeCFRuns(_ sandbox: Sandbox) -> [String] {
        ((try? String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("a copy, a different build and a link chain on PATH are all skipped", arguments: ["copy", "modified", "chain"])
    func otherShimsOnPathAreSkipped(_ kind: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let other = try Self.folder(sandbox, "other-\(kind)") { path in
            switch kind {
            case "copy": try Self.copyOfShim(to: path)
            // Another build of the shim: different bytes and size (an ELF runs with bytes appended).
            case "modified": try Self.copyOfShim(to: path, appending: Data("another build".utf8))
            default:
                try FileManager.default.createSymbolicLink(atPath: path + "-1", withDestinationPath: ProductLocator.shim)
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + "-1")
            }
        }
        // The other shim comes first, then ours, then the real cf.
        let path = "\(other):\(sandbox.shimDir):\(sandbox.binDir):/usr/bin:/bin"
        let passed = try sandbox.cfWithPipes(["apps"], env: ["PATH": path])
        #expect(passed.status == 0)
        #expect(passed.stderr.isEmpty)
        let tracked = try sandbox.cfOnTerminal(
            ["push", "app"],
            env: [
                "PATH": "\(sandbox.shimDir):\(other):\(sandbox.binDir):/usr/bin:/bin",
                "FAKE_CF_EXIT": "3",
            ])
        #expect(tracked.status == 3)
        #expect(fakeCFRuns(sandbox) == ["apps", "push app"])
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["app_created", "error"])
    }

    @Test func onlyShimsOnPathIsOneLineAnd127() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let copy = try Self.folder(sandbox, "copy") { try Self.copyOfShim(to: $0) }
        let modified = try Self.folder(sandbox, "modified") { try Self.copyOfShim(to: $0, appending: Data([1, 2, 3])) }
        for command in [["apps"], ["push", "app"]] {
            let result = try sandbox.cfOnTerminal(command, env: ["PATH": "\(sandbox.shimDir):\(copy):\(modified):/usr/bin:/bin"])
            #expect(result.status == 127)
            let lines = result.stdout.split(whereSeparator: \.isNewline)
            #expect(lines.count == 1)
            #expect(lines.first?.contains("real cf") == true)
        }
        #expect(fakeCFRuns(sandbox).isEmpty)
    }

    @Test("CFDEV_TELEMETRY_REAL_CF naming the shim is ignored", arguments: ["direct", "chain", "copy"])
    func realCFNamingTheShim(_ kind: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let named: String
        switch kind {
        case "direct": named = sandbox.shimDir + "/cf"
        case "chain":
            named = sandbox.root + "/link-2"
            try FileManager.default.createSymbolicLink(atPath: sandbox.root + "/link-1", withDestinationPath: sandbox.shimDir + "/cf")
            try FileManager.default.createSymbolicLink(atPath: named, withDestinationPath: sandbox.root + "/link-1")
        default:
            named = sandbox.root + "/cf-copy"
            try Self.copyOfShim(to: named)
        }
        let env = ["CFDEV_TELEMETRY_REAL_CF": named]
        #expect(try sandbox.cfWithPipes(["apps"], env: env).status == 0)
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: env).status == 0)
        #expect(fakeCFRuns(sandbox) == ["apps", "push app"])
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["app_created"])
        // And with no real cf left at all.
        try FileManager.default.removeItem(atPath: sandbox.binDir + "/cf")
        let missing = try sandbox.cfWithPipes(["apps"], env: env)
        #expect(missing.status == 127)
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    static let hostileSeenValues = [
        "garbage": "garbage", "empty parts": "1:2,3:4,,::,:", "negative": "-1:-1",
        // 100 KB of the largest IDs (one environment string may not pass 128 KiB).
        "huge": String(repeating: "18446744073709551615:18446744073709551615,", count: 2400),
    ]

    /// What does not parse is ignored; file IDs that parse (of no shim: "huge", "empty parts") say a shim
    /// handled the command line already, so it is not recorded again. Either way cf runs once.
    @Test("a hostile CFDEV_TELEMETRY_SHIMS_SEEN changes nothing", arguments: ["garbage", "empty parts", "negative", "huge"])
    func hostileSeenVariable(_ name: String) throws {
        let value = try #require(Self.hostileSeenValues[name])
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let env = ["CFDEV_TELEMETRY_SHIMS_SEEN": value]
        #expect(try sandbox.cfWithPipes(["apps"], env: env).status == 0)
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: env).status == 0)
        #expect(fakeCFRuns(sandbox) == ["apps", "push app"])
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == (["garbage", "negative"].contains(name) ? ["app_created"] : []))
    }

    /// Two different builds of the shim on PATH, each with its own `cfdev-telemetry` beside it
    /// (a package manager's and an install script's): the first records, takes the second for
    /// the real `cf` and runs it; the second sees that a shim handled this command line and
    /// passes it on unrecorded. The command is recorded once and cf runs once.
    @Test("two builds of the shim record a command once", arguments: ["", "1"])
    func twoBuildsOfTheShimRecordOnce(_ sync: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let other = try Self.folder(sandbox, "other-build") { path in
            try Self.copyOfShim(to: path, appending: Data("another build".utf8))
            try FileManager.default.createSymbolicLink(
                atPath: (path as NSString).deletingLastPathComponent + "/cfdev-telemetry", withDestinationPath: ProductLocator.cli)
        }
        for first in [sandbox.shimDir, other] {
            let second = first == other ? sandbox.shimDir : other
            let result = try sandbox.cfOnTerminal(
                ["push", "app"], env: ["PATH": "\(first):\(second):\(sandbox.binDir):/usr/bin:/bin", "CFDEV_TELEMETRY_SYNC": sync])
            #expect(result.status == 0)
        }
        #expect(fakeCFRuns(sandbox) == ["push app", "push app"])
        // Both runs, once each (the background recorder may still be writing the second).
        let events = try sandbox.waitForPendingEvents(2)
        usleep(500_000)
        #expect(events.map { $0["event"] as? String } == ["app_created", "app_created"])
        #expect(try sandbox.pendingEvents().count == 2)
    }

    @Test("a copied (not linked) shim records, with cfdev-telemetry from PATH", arguments: ["1", ""])
    func aCopiedShimRecords(_ sync: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let copied = try Self.folder(sandbox, "copied") { try Self.copyOfShim(to: $0) }
        let path = "\(copied):\(sandbox.binDir):\(ProductLocator.binDirectory):/usr/bin:/bin"
        let result = try sandbox.cfOnTerminal(["push", "app"], env: ["PATH": path, "CFDEV_TELEMETRY_SYNC": sync])
        #expect(result.status == 0)
        #expect(try sandbox.waitForPendingEvents(1).map { $0["event"] as? String } == ["app_created"])
        #expect(try sandbox.cfWithPipes(["dev", "telemetry"], env: ["PATH": path]).stdout.contains("Telemetry is on"))
    }

    @Test func aCommandTheRealCFRunsThroughTheShimIsNotRecordedTwice() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        // A real cf that calls `cf create-org` itself (as a plugin might), through the shim on PATH.
        try Sandbox.writeExecutable(
            sandbox.binDir + "/cf",
            """
            #!/bin/sh
            printf '%s\\n' "$*" >> "$FAKE_CF_LOG"
            if [ "$1" = push ]; then cf create-org nested; fi
            exit 0
            """)
        let result = try sandbox.cfOnTerminal(["push", "app"])
        #expect(result.status == 0)
        #expect(fakeCFRuns(sandbox) == ["push app", "create-org nested"])
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["app_created"])
    }
}
