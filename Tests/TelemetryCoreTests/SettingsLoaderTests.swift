import Foundation
import Testing
@testable import TelemetryCore

@Suite("Settings: defaults < config file < environment, one-line errors")
struct SettingsLoaderTests {
    func home(config: String?) throws -> TelemetryHome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        let home = TelemetryHome(directory: dir)
        try home.ensureExists()
        if let config { try config.write(toFile: home.configPath, atomically: true, encoding: .utf8) }
        return home
    }

    @Test func layering() throws {
        let home = try home(config: #"{"bucket": "from-file", "region": "eu-west-1", "flush_interval_seconds": 60, "path_style": false}"#)
        let settings = try SettingsLoader.load(home: home, environment: ["AWS_REGION": "us-west-2", "CFDEV_TELEMETRY_PREFIX": ""])
        #expect(settings.bucket == "from-file")
        #expect(settings.region == "us-west-2")
        #expect(settings.flushIntervalSeconds == 60)
        #expect(settings.pathStyle == false)
        #expect(settings.prefix == "")
        #expect(settings.maxPendingEvents == 10_000)
        let endpoint = try SettingsLoader.load(home: home, environment: ["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1"]).endpoint
        #expect(endpoint == "http://127.0.0.1:1")
        let preferred = try SettingsLoader.load(home: home, environment: [
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:2",
        ]).endpoint
        #expect(preferred == "http://127.0.0.1:2")
    }

    @Test("malformed values name the file or variable and the key", arguments: [
        (#"{"flush_interval_seconds": "soon"}"#, [String: String](), "key \"flush_interval_seconds\""),
        (#"{"path_style": 1}"#, [:], "key \"path_style\": expected true or false"),
        (#"{"bucket": 7}"#, [:], "key \"bucket\": expected a string"),
        (#"{"buckte": "x"}"#, [:], "unknown key \"buckte\""),
        (#"not json"#, [:], "not a JSON object"),
        (#"{}"#, ["CFDEV_TELEMETRY_MAX_PENDING": "lots"], "CFDEV_TELEMETRY_MAX_PENDING: expected a whole number"),
        (#"{}"#, ["CFDEV_TELEMETRY_PATH_STYLE": "maybe"], "CFDEV_TELEMETRY_PATH_STYLE: expected true or false"),
    ])
    func errors(_ config: String, _ environment: [String: String], _ expected: String) throws {
        let home = try home(config: config)
        do {
            _ = try SettingsLoader.load(home: home, environment: environment)
            Issue.record("expected an error")
        } catch {
            let message = "\(error)"
            #expect(message.contains(expected))
            #expect(!message.contains("\n"))
            if environment.isEmpty { #expect(message.contains(home.configPath)) }
        }
    }

    @Test func secretsAreMasked() {
        #expect(TelemetrySettings.mask("AKIAIOSFODNN7EXAMPLE") == "AKIA****************")
        #expect(TelemetrySettings.mask(nil) == "(not set)")
    }
}
