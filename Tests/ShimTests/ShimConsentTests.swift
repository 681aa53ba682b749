import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

@Suite("Consent: asked once on a terminal, default No, the environment always wins")
struct ShimConsentTests {
    @Test func enterMeansNo() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cfOnTerminal(["dev", "start"], input: "\n", inputDelay: 0.3)
        #expect(result.stdout.contains("[y/N]"))
        #expect(result.status == 0)
        #expect(ConsentStore(home: sandbox.telemetryHome).state() == .off)
        #expect(try sandbox.pendingEvents().isEmpty)
        let again = try sandbox.cfOnTerminal(["dev", "start"])
        #expect(!again.stdout.contains("[y/N]"))
    }

    @Test func yesRecordsFromThisRunAndIsNotAskedAgain() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cfOnTerminal(["dev", "start"], input: "y\n", inputDelay: 0.3)
        #expect(result.stdout.contains("[y/N]"))
        #expect(ConsentStore(home: sandbox.telemetryHome).state() == .on)
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["start_begin", "start_end"])
        let again = try sandbox.cfOnTerminal(["dev", "start"])
        #expect(!again.stdout.contains("[y/N]"))
        #expect(try sandbox.pendingEvents().count == 4)
    }

    @Test func endOfInputMeansNo() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cfOnTerminal(["dev", "start"], input: "\u{4}", inputDelay: 0.3)
        #expect(result.stdout.contains("[y/N]"))
        #expect(ConsentStore(home: sandbox.telemetryHome).state() == .off)
    }

    @Test func typedAheadInputAfterTheAnswerReachesTheCommand() throws {
        let sandbox = try Sandbox()
        let copy = sandbox.root + "/stdin-copy"
        _ = try sandbox.cfOnTerminal(["dev", "start"], env: ["FAKE_CF_STDIN_TO": copy], input: "n\nkept line\n\u{4}", inputDelay: 0.3)
        #expect(try String(contentsOfFile: copy, encoding: .utf8) == "kept line\n")
    }

    @Test func otherCommandsNeverAsk() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cfOnTerminal(["push", "app"])
        #expect(!result.stdout.contains("[y/N]"))
        #expect(ConsentStore(home: sandbox.telemetryHome).load() == nil)
    }

    /// `cf dev start &` from an interactive shell: asking from a background job would stop it
    /// (reading the terminal), so it is not asked there; the next run in the foreground asks.
    @Test func aBackgroundJobIsNotAskedAndNotStopped() throws {
        let sandbox = try Sandbox()
        let script = "set -m; cf dev start & wait $!; echo \"status=$?\"; jobs -l"
        // setsid -c: the terminal becomes the shell's controlling one, as in a terminal window.
        let result = try ChildRunner.runOnTerminal(
            "/usr/bin/setsid", ["-w", "-c", "/bin/bash", "-c", script], environment: sandbox.environment(), timeout: 120)
        #expect(result.stdout.contains("status=0"), "\(result.stdout)")
        #expect(!result.stdout.contains("[y/N]"))
        #expect(!result.stdout.contains("Stopped"))
        #expect(ConsentStore(home: sandbox.telemetryHome).load() == nil)
        #expect(try sandbox.cfOnTerminal(["dev", "start"], input: "\n", inputDelay: 0.3).stdout.contains("[y/N]"))
    }

    @Test func withoutATerminalNeitherAskNorRecord() throws {
        let sandbox = try Sandbox()
        let unknown = try sandbox.cfWithPipes(["dev", "start"])
        #expect(unknown.stderr.isEmpty)
        #expect(ConsentStore(home: sandbox.telemetryHome).load() == nil)
        try sandbox.setConsent(.on)
        _ = try sandbox.cfWithPipes(["dev", "start"])
        #expect(try sandbox.pendingEvents().isEmpty)
    }

    @Test(
        "the environment always wins",
        arguments: [
            ["CI": "true"], ["DO_NOT_TRACK": "1"], ["CFDEV_TELEMETRY_DISABLED": "1"],
        ])
    func environmentKillSwitches(_ environment: [String: String]) throws {
        let sandbox = try Sandbox()
        let first = try sandbox.cfOnTerminal(["dev", "start"], env: environment)
        #expect(!first.stdout.contains("[y/N]"))
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "start"], env: environment)
        _ = try sandbox.cfOnTerminal(["push", "a"], env: environment)
        #expect(!FileManager.default.fileExists(atPath: sandbox.telemetryHome.spoolPath))
        #expect(try sandbox.pendingEvents().isEmpty)
    }

    @Test func newPolicyVersionAsksAgain() throws {
        let sandbox = try Sandbox()
        try sandbox.telemetryHome.ensureExists()
        try #"{"policy_version":0,"state":"on","time":"2020-01-01T00:00:00.000Z"}"#
            .write(toFile: sandbox.telemetryHome.consentPath, atomically: true, encoding: .utf8)
        let result = try sandbox.cfOnTerminal(["dev", "start"], input: "\n", inputDelay: 0.3)
        #expect(result.stdout.contains("[y/N]"))
    }

    @Test func telemetryOnOffStatusThroughTheShim() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.cfWithPipes(["dev", "telemetry"]).stdout.contains("not asked yet"))
        #expect(try sandbox.cfWithPipes(["dev", "telemetry", "--on"]).stdout.contains("Telemetry is on"))
        #expect(try sandbox.cfWithPipes(["dev", "telemetry"]).stdout.contains("Telemetry is on"))
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.pendingEvents().count == 2)
        let off = try sandbox.cfOnTerminal(["dev", "telemetry", "--off"], env: ["CFDEV_TELEMETRY_FLUSHER": "/nonexistent"])
        #expect(off.stdout.contains("Telemetry is off"))
        #expect(off.stdout.contains("2 pending events were not sent and deleted"))
        #expect(try sandbox.pendingEvents().isEmpty)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.pendingEvents().isEmpty)
        let passedOn = (try? String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8)) ?? ""
        #expect(!passedOn.contains("telemetry"))
        let bad = try sandbox.cfWithPipes(["dev", "telemetry", "--sometimes"])
        #expect(bad.status == 64)
        #expect(bad.stderr.split(separator: "\n").count == 1)
        for help in [["--help"], ["-h"]] {
            let shown = try sandbox.cfWithPipes(["dev", "telemetry"] + help)
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("USAGE: cf dev telemetry"))
            #expect(shown.stderr.isEmpty)
        }
        // Turning off with nothing pending says nothing about deleted events.
        #expect(try sandbox.cfWithPipes(["dev", "telemetry", "--off"]).stdout == "Telemetry is off: nothing more will be recorded or sent.\n")
    }
}
