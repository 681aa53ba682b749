import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

@Suite("By default the shim records after the command, in a detached process")
struct BackgroundRecordingTests {
    static let background = ["CFDEV_TELEMETRY_SYNC": ""]

    @Test func eventsArriveAfterTheShimReturned() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["dev", "start", "-m", "4096"], env: Self.background.merging(["FAKE_CF_SLEEP": "0.2"]) { $1 })
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let events = try sandbox.waitForPendingEvents(2)
        #expect(events.map { $0["event"] as? String } == ["start_begin", "start_end"])
        #expect((events[0]["data"] as? [String: Any])?["memory_mb"] as? Int == 4096)
        #expect(((events[1]["data"] as? [String: Any])?["duration_ms"] as? Int ?? 0) >= 200)
    }

    @Test("exit statuses and signals pass through", arguments: [0, 1, 42, 255])
    func exitStatus(_ code: Int) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["push", "app"], env: Self.background.merging(["FAKE_CF_EXIT": "\(code)"]) { $1 })
        #expect(result.status == Int32(code))
        let expected = code == 0 ? ["app_created"] : ["app_created", "error"]
        let events = try sandbox.waitForPendingEvents(expected.count)
        #expect(events.map { $0["event"] as? String } == expected)
    }

    @Test func signalDeathPassesThrough() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["dev", "stop"], env: Self.background.merging(["FAKE_CF_SIGNAL": "TERM"]) { $1 })
        #expect(result.signal == SIGTERM)
        let events = try sandbox.waitForPendingEvents(2)
        #expect(events.map { $0["event"] as? String } == ["stop", "error"])
    }

    @Test func productionTargetIsNotRecordedInTheBackgroundEither() throws {
        let sandbox = try Sandbox(target: "https://api.example.com")
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["push", "app"], env: Self.background)
        _ = try sandbox.cfOnTerminal(["dev", "stop"], env: Self.background)
        let events = try sandbox.waitForPendingEvents(1)
        usleep(300_000)
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["stop"])
        #expect(events.count == 1)
    }

    @Test func secretsNeverReachTheSpool() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["create-user", "bob-the-user", "pw-in-argv-123"], env: Self.background)
        _ = try sandbox.waitForPendingEvents(1)
        #expect(!sandbox.telemetryFilesContents().contains(Data("pw-in-argv-123".utf8)))
        #expect(!sandbox.telemetryFilesContents().contains(Data("bob-the-user".utf8)))
    }
}
