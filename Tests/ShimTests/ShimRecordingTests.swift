import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

@Suite("The shim records catalog commands on a terminal, when allowed")
struct ShimRecordingTests {
    @Test func recordsPushWithHashedNameOnly() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["push", "secret-app-name", "-m", "1G"])
        #expect(result.status == 0)
        let events = try sandbox.pendingEvents()
        #expect(events.map { $0["event"] as? String } == ["app_created"])
        let data = try #require(events.first?["data"] as? [String: Any])
        #expect(data["memory_mb"] as? Int == 1024)
        #expect((data["app_hash"] as? String)?.count == 64)
        #expect(!sandbox.telemetryFilesContents().contains(Data("secret-app-name".utf8)))
        #expect(try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8) == "push secret-app-name -m 1G\n")
    }

    @Test func startRecordsBeginAndEndWithDuration() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "start", "-m", "8192"], env: ["FAKE_CF_SLEEP": "0.3"])
        let events = try sandbox.pendingEvents()
        #expect(events.map { $0["event"] as? String } == ["start_begin", "start_end"])
        let duration = try #require((events[1]["data"] as? [String: Any])?["duration_ms"] as? Int)
        #expect(duration >= 300)
        #expect((events[0]["data"] as? [String: Any])?["memory_mb"] as? Int == 8192)
    }

    @Test("a failing tracked command records error with the command and status, never its output")
    func failureRecordsError() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["dev", "start"], env: ["FAKE_CF_EXIT": "3", "FAKE_CF_OUTPUT": "boom-output-text"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("boom-output-text"))
        let events = try sandbox.pendingEvents()
        #expect(events.map { $0["event"] as? String } == ["start_begin", "error"])
        let data = try #require(events[1]["data"] as? [String: Any])
        #expect(data["command"] as? String == "start_begin")
        #expect(data["exit_status"] as? Int == 3)
        #expect(!sandbox.telemetryFilesContents().contains(Data("boom-output-text".utf8)))
    }

    @Test func envelopeHasTheEightFieldsAndDerivedMachineID() throws {
        let machineID = "5f3e2d1c0b0a09080706050403020100"
        let sandbox = try Sandbox(machineID: machineID)
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        let event = try #require(try sandbox.pendingEvents().first)
        #expect(Set(event.keys) == ["schema", "event_id", "event", "timestamp", "anonymous_id", "os", "build", "data"])
        #expect(event["anonymous_id"] as? String == AnonymousID.derive(from: machineID))
        #expect((event["timestamp"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
        #expect(event["build"] as? String == BuildInfo.version)
        #expect(!sandbox.telemetryFilesContents().contains(Data(machineID.utf8)))
        let status = try sandbox.cli(["status", "--json"]).stdout
        #expect(!status.contains(machineID))
    }

    @Test func secretsNeverReachTheSpool() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let secrets = ["alice-the-user", "hunter2-password", "pa55w0rd-json", "db-user-x", "my-ups-name", "s3cr3t-url-pw"]
        _ = try sandbox.cfOnTerminal(["create-user", "alice-the-user", "hunter2-password"])
        _ = try sandbox.cfOnTerminal(["cups", "my-ups-name", "-p", #"{"username":"db-user-x","password":"pa55w0rd-json"}"#])
        _ = try sandbox.cfOnTerminal(["cups", "my-ups-name", "-l", "syslog://u:s3cr3t-url-pw@example.com"])
        _ = try sandbox.cfOnTerminal(["bs", "app", "my-ups-name", "-c", #"{"password":"pa55w0rd-json"}"#])
        let events = try sandbox.pendingEvents()
        #expect(events.count == 4)
        let everything =
            sandbox.telemetryFilesContents() + Data(try sandbox.cli(["show", "--json"]).stdout.utf8)
            + Data(try sandbox.cli(["status"]).stdout.utf8)
        for secret in secrets {
            #expect(!everything.contains(Data(secret.utf8)), "\(secret) leaked")
        }
    }

    @Test func productionTargetIsNotRecorded() throws {
        let sandbox = try Sandbox(target: "https://api.run.example.com")
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["push", "app"])
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["stop"])
        try sandbox.setTarget("https://api.v3.pcfdev.io")
        _ = try sandbox.cfOnTerminal(["push", "app"])
        #expect(try sandbox.pendingEvents().count == 2)
        _ = try sandbox.cfOnTerminal(["push", "app"], env: ["CFDEV_TELEMETRY_CFDEV_API_HOSTS": "api.local.test"])
        #expect(try sandbox.pendingEvents().count == 2)
    }

    @Test func untrackedCommandsTouchNothing() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["apps", "--guid"], env: ["FAKE_CF_EXIT": "7"])
        #expect(result.status == 7)
        #expect(!FileManager.default.fileExists(atPath: sandbox.telemetryHome.spoolPath))
        #expect(try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8) == "apps --guid\n")
    }

    @Test func debugPrintsEachEvent() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["dev", "stop"], env: ["CFDEV_TELEMETRY_DEBUG": "1"])
        #expect(result.stdout.contains("cfdev-telemetry: recorded {\"schema\":1"))
        #expect(result.stdout.contains("\"event\":\"stop\""))
    }

    @Test func capKeepsTheNewest() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        for _ in 0..<5 { _ = try sandbox.cfOnTerminal(["dev", "stop"], env: ["CFDEV_TELEMETRY_MAX_PENDING": "3"]) }
        #expect(try sandbox.pendingEvents().count == 3)
        let status = try JSONSerialization.jsonObject(with: Data(try sandbox.cli(["status", "--json"]).stdout.utf8)) as? [String: Any]
        #expect(status?["dropped"] as? Int == 2)
        #expect(status?["pending"] as? Int == 3)
    }
}
