import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

@Suite("cfdev-telemetry: local commands")
struct CLITests {
    @Test func versionIsTheBuild() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.cli(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == BuildInfo.version)
    }

    @Test func helpListsTheCommands() throws {
        let help = try Sandbox().cli(["--help"]).stdout
        for command in ["on", "off", "status", "show", "flush", "doctor", "purge", "install-shim"] {
            #expect(help.contains("  \(command)"), "\(command) missing from --help")
        }
    }

    /// A stderr that cannot be written (a full disk, a terminal gone) loses the warnings, not
    /// the command: it still ends as it would have (Foundation's `FileHandle.write` traps there).
    @Test("a stderr that fails every write changes nothing", arguments: ["cli", "shim"])
    func unwritableStderr(_ path: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let command = path == "cli" ? "'\(ProductLocator.cli)' forget --yes --timeout 1" : "cf dev telemetry --forget --yes"
        // No store is set up: the request stays pending, with a warning on stderr.
        let env = sandbox.environment(["CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9/", "CFDEV_TELEMETRY_ALLOW_HTTP": "1"])
        let result = try ChildRunner.run("/bin/bash", ["-c", "exec \(command) 2>/dev/full"], environment: env)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("Telemetry is off."))
        #expect(try sandbox.cli(["status"]).stdout.contains("pending"))
    }

    /// Output that could not be written (a full disk) is an error, as in coreutils, not a
    /// success with nothing printed.
    @Test func aStandardOutputThatFailsIsAnError() throws {
        let sandbox = try Sandbox()
        for command in ["status", "status --json"] {
            let result = try ChildRunner.run(
                "/bin/bash", ["-c", "exec '\(ProductLocator.cli)' \(command) > /dev/full"], environment: sandbox.environment())
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr == "Error: cannot write to standard output: No space left on device\n", "\(command)")
        }
    }

    @Test func statusJSONBeforeAndAfter() throws {
        let sandbox = try Sandbox()
        func status() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(try sandbox.cli(["status", "--json"]).stdout.utf8)) as? [String: Any])
        }
        let fresh = try status()
        #expect(fresh["consent"] as? String == "unknown")
        #expect(fresh["pending"] as? Int == 0)
        #expect(fresh["spool"] as? String == sandbox.telemetryHome.spoolPath)
        // Before consent nothing is derived, and nothing is written.
        #expect(fresh["anonymous_id"] is NSNull)
        #expect(!FileManager.default.fileExists(atPath: sandbox.telemetryHome.directory))
        #expect(try sandbox.cli(["status"]).stdout.contains("not asked yet"))
        #expect(try sandbox.cli(["on"]).status == 0)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        let after = try status()
        #expect(after["consent"] as? String == "on")
        #expect(after["pending"] as? Int == 1)
        #expect((after["anonymous_id"] as? String)?.count == 64)
    }

    @Test func statusNeverPrintsSecrets() throws {
        let sandbox = try Sandbox()
        let env = [
            "CFDEV_TELEMETRY_ACCESS_KEY_ID": "AKIAEXAMPLEKEY123456", "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": "very-secret-value-xyz",
            "CFDEV_TELEMETRY_SESSION_TOKEN": "session-token-value-abc",
            // The user's own AWS session: named as ignored, its values never shown.
            "AWS_ACCESS_KEY_ID": "AKIAUSERSOWN00000000", "AWS_SECRET_ACCESS_KEY": "users-own-secret-value",
            "AWS_PROFILE": "users-own-profile",
        ]
        for args in [["status"], ["status", "--json"]] {
            let out = try sandbox.cli(args, env: env).stdout
            #expect(!out.contains("very-secret-value-xyz"))
            #expect(!out.contains("session-token-value-abc"))
            #expect(!out.contains("AKIAEXAMPLEKEY123456"))
            #expect(out.contains("AKIA"))
            #expect(!out.contains("AKIAUSERSOWN") && !out.contains("users-own-secret-value") && !out.contains("users-own-profile"))
            #expect(out.contains("AWS_ACCESS_KEY_ID") && out.contains("AWS_PROFILE") && out.contains("AWS_SECRET_ACCESS_KEY"))
        }
        let text = try sandbox.cli(["status"], env: env).stdout
        #expect(text.contains("AWS variables:   ignored: AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_SECRET_ACCESS_KEY (uploads never use"), "\(text)")
        #expect(text.contains("access_key_id          AKIA") && text.contains("(environment CFDEV_TELEMETRY_ACCESS_KEY_ID)"), "\(text)")
    }

    /// Endpoints with user-info in hostile or mistyped forms, and the parts of each that are
    /// secret: none is ever printed by `status`, `doctor` or a failing `flush`, nor saved in the
    /// last error or the telemetry log.
    static let hostileEndpoints: [(String, [String])] = [
        ("http://user:s3c r3tA@host/", ["s3c", "r3tA"]),
        ("http://u:qu\"oteS3cretB@host/", ["oteS3cretB"]),
        // (":qz9/", not "qz9/": the sandbox's random folder names may hold any short run of letters.)
        ("http://u:qz9/s3cr3tC@host/", ["s3cr3tC", ":qz9/"]),
        ("http://u:1234/s3cr3tD@host/", ["s3cr3tD"]),
        ("http://u:p?s3cr3tE#x@host/", ["s3cr3tE"]),
        ("http://u:%73%33cr3tF@host/", ["cr3tF"]),
        ("http://u:a://s3cr3tG@host/", ["s3cr3tG"]),
        ("https://u:s3cr3tH@host/", ["s3cr3tH"]),
    ]

    @Test("secrets in the endpoint URL are never shown or saved", arguments: 0..<hostileEndpoints.count)
    func endpointSecretsAreNeverShown(_ index: Int) throws {
        let (endpoint, secrets) = Self.hostileEndpoints[index]
        let sandbox = try Sandbox()
        #expect(try sandbox.cli(["on"]).status == 0)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.pendingEvents().count == 1)
        let env = [
            "CFDEV_TELEMETRY_ENDPOINT": endpoint, "CFDEV_TELEMETRY_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": "example-secret",
        ]
        var shown: [(String, String)] = []
        for arguments in [["status"], ["status", "--json"], ["doctor"]] {
            let result = try sandbox.cli(arguments, env: env)
            shown.append(("\(arguments)", result.stdout + result.stderr))
        }
        let flush = try sandbox.cli(["flush"], env: env)
        #expect(flush.status == 1)
        #expect(flush.stderr.split(separator: "\n").count == 1, "\(flush.stderr)")
        shown.append(("flush", flush.stdout + flush.stderr))
        // After the failure: its saved line, in status, and the log.
        for arguments in [["status"], ["status", "--json"], ["doctor"]] {
            let result = try sandbox.cli(arguments, env: env)
            shown.append(("\(arguments) after the flush", result.stdout + result.stderr))
        }
        #expect(shown[shown.count - 3].1.contains("Last error:"), "\(shown[shown.count - 3].1)")
        let log = try String(contentsOfFile: sandbox.telemetryHome.logPath, encoding: .utf8)
        #expect(log.contains("flush"), "\(log)")
        shown.append(("telemetry.log", log))
        for (name, text) in shown {
            #expect(text.contains("***@host"), "\(endpoint) in \(name): \(text)")
            for secret in secrets { #expect(!text.contains(secret), "\(endpoint) in \(name): \(text)") }
        }
    }

    @Test func showJSONIsWhatIsStored() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "start"])
        let lines = try sandbox.cli(["show", "--json"]).stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let stored = try Spool.open(home: sandbox.telemetryHome).pendingLines()
        #expect(lines == stored)
        let text = try sandbox.cli(["show"]).stdout
        #expect(text.contains("start_begin"))
        #expect(text.contains("2 pending events"))
    }

    @Test func purgeDeletes() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.cli(["purge"]).stdout.contains("Deleted 1 pending event"))
        #expect(try sandbox.pendingEvents().isEmpty)
    }

    @Test func offRecordsTelemetryOffThenPurges() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.cli(["on"]).status == 0)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        let off = try sandbox.cli(["off"], env: ["CFDEV_TELEMETRY_FLUSHER": "/nonexistent"])
        #expect(off.status == 0)
        // Its own telemetry_off is not counted among the user's events.
        #expect(off.stdout.contains("1 pending event was not sent and deleted"))
        #expect(ConsentStore(home: sandbox.telemetryHome).state() == .off)
        #expect(try sandbox.pendingEvents().isEmpty)
    }

    @Test func malformedConfigIsOneLineNamingFileAndKey() throws {
        let sandbox = try Sandbox()
        try sandbox.telemetryHome.ensureExists()
        try #"{"max_pending_events": "many"}"#.write(toFile: sandbox.telemetryHome.configPath, atomically: true, encoding: .utf8)
        let flush = try sandbox.cli(["flush"], env: ["CFDEV_TELEMETRY_FLUSHER": "/nonexistent"])
        try sandbox.setConsent(.on)
        let failed = try sandbox.cli(["flush"])
        #expect(failed.status != 0)
        let errorLines = failed.stderr.split(separator: "\n")
        #expect(errorLines.count == 1)
        #expect(failed.stderr.contains(sandbox.telemetryHome.configPath))
        #expect(failed.stderr.contains("max_pending_events"))
        _ = flush
        // The wrapped command is not affected.
        let wrapped = try sandbox.cfOnTerminal(["push", "a"], env: ["FAKE_CF_EXIT": "4"])
        #expect(wrapped.status == 4)
        #expect(!wrapped.stdout.contains("max_pending_events"))
    }

    @Test func installShimLinksAndPrintsThePathLine() throws {
        let sandbox = try Sandbox()
        let dir = sandbox.root + "/installed-shims"
        let result = try sandbox.cli(["install-shim", "--dir", dir])
        #expect(result.status == 0)
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/cf")
        #expect(URL(fileURLWithPath: target).resolvingSymlinksInPath().path == URL(fileURLWithPath: ProductLocator.shim).resolvingSymlinksInPath().path)
        #expect(result.stdout.contains("export PATH=\"\(dir):$PATH\""))
        #expect(try sandbox.cli(["install-shim", "--dir", dir]).status == 0)
        #expect(result.stdout.contains("build folder") == ProductLocator.shim.contains("/.build/"))
    }

    @Test func installShimOverSomethingElseIsOneLineAndExit1() throws {
        let sandbox = try Sandbox()
        let dir = sandbox.root + "/taken"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Sandbox.writeExecutable(dir + "/cf", "#!/bin/sh\n")
        let result = try sandbox.cli(["install-shim", "--dir", dir])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(dir)/cf exists and is not the shim; remove it first\n")
        #expect(!result.stderr.contains("USAGE"))
    }

    /// A link to a release's shim (`…/lib/cfdev-telemetry/bin/cf`) is another install's: one whose
    /// install is gone, or one in another prefix, is replaced by a link to this installation's.
    @Test(arguments: ["gone", "another prefix"])
    func installShimReplacesAnotherReleasesLink(kind: String) throws {
        let sandbox = try Sandbox()
        let dir = sandbox.root + "/other-shims"
        let previous = sandbox.root + "/old prefix/lib/cfdev-telemetry/bin/cf"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if kind == "another prefix" {
            try FileManager.default.createDirectory(atPath: (previous as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Sandbox.writeExecutable(previous, "#!/bin/sh\n")
        }
        try FileManager.default.createSymbolicLink(atPath: dir + "/cf", withDestinationPath: previous)
        let result = try sandbox.cli(["install-shim", "--dir", dir])
        #expect(result.status == 0, "\(result.stderr)")
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/cf")
        #expect(URL(fileURLWithPath: target).resolvingSymlinksInPath().path == URL(fileURLWithPath: ProductLocator.shim).resolvingSymlinksInPath().path)
        #expect(result.stdout.contains("(it linked to \(previous), the shim of \(kind == "gone" ? "an install that is gone" : "another install")"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["cf"])
        if kind == "another prefix" { #expect(FileManager.default.isExecutableFile(atPath: previous)) }
    }

    /// A link to any other `cf`, there or gone, or to a folder in a release's layout, is left.
    @Test(arguments: ["live", "dangling", "folder"])
    func installShimLeavesALinkToAnotherCF(kind: String) throws {
        let sandbox = try Sandbox()
        let dir = sandbox.root + "/other-shims"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let other: String
        switch kind {
        case "live": other = sandbox.binDir + "/cf"
        case "dangling": other = sandbox.root + "/gone/bin/cf"
        default:
            other = sandbox.root + "/odd/lib/cfdev-telemetry/bin/cf"
            try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: dir + "/cf", withDestinationPath: other)
        let result = try sandbox.cli(["install-shim", "--dir", dir])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(dir)/cf already links to \(other); remove it first\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/cf") == other)
    }

    @Test(
        "the team's commands name the role whose key they need",
        arguments: [
            (["report", "--from", "2026-01-01"], "no reader credentials"), (["retention", "--show"], "no operator credentials"),
            (["compact", "--from", "2026-01-01", "--to", "2026-01-01"], "no operator credentials"), (["flush"], "no upload credentials"),
        ])
    func credentialsNameTheRole(_ arguments: [String], _ message: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cli(arguments, env: ["CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test(
        "help texts are whole paragraphs: argument-parser wraps them, not the source",
        arguments: [
            [], ["flush"], ["policy"], ["report"], ["doctor"], ["status"], ["off"], ["retention"], ["install-shim"],
        ])
    func helpParagraphs(_ command: [String]) throws {
        let sandbox = try Sandbox()
        let help = try sandbox.cli(command + ["--help"], env: ["COLUMNS": "1000"])
        #expect(help.status == 0)
        let prose = help.stdout.components(separatedBy: "USAGE:")[0].split(separator: "\n", omittingEmptySubsequences: false)
        for (line, next) in zip(prose, prose.dropFirst()) where !line.isEmpty && !next.isEmpty {
            // A paragraph broken in the source shows as a line running on into the next.
            let runsOn = !(line.last.map { ".:;)".contains($0) } ?? true) && (next.first?.isLowercase ?? false)
            #expect(!runsOn, "\(command): \"\(line)\" / \"\(next)\"")
        }
    }

    @Test(
        "usage errors exit 64, as argument-parser's own do",
        arguments: [
            ["report"], ["report", "--from", "yesterday", "--to", "2026-01-01"], ["report", "--from", "2026-01-01", "--by", "year"],
            ["report", "--from", "2026-01-01", "--k", "1"], ["report", "--from", "2000-01-01", "--to", "2026-01-01"],
            ["compact", "--from", "2026-01-02", "--to", "2026-01-01"], ["compact", "--from", "2026-01-01", "--to", "2026-01-01", "--max-object-bytes", "1"],
            ["flush", "--timeout", "nan"],
            ["no-such-command"], ["status", "--bogus"],
        ])
    func usageErrors(_ arguments: [String]) throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cli(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: "), "\(arguments): \(result.stderr)")
    }
}
