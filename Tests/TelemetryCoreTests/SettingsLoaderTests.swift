import Foundation
import Testing
@testable import TelemetryCore

@Suite("Settings: built-in < shipped defaults < config file < environment, one-line errors")
final class SettingsLoaderTests {
    /// Folders made by this test, removed when it ends.
    private var folders: [String] = []

    deinit {
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
    }

    func home(config: String?) throws -> TelemetryHome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        folders.append(dir)
        let home = TelemetryHome(directory: dir)
        try home.ensureExists()
        if let config { try config.write(toFile: home.configPath, atomically: true, encoding: .utf8) }
        return home
    }

    @Test func layering() throws {
        let home = try home(config: #"{"bucket": "from-file", "region": "eu-west-1", "flush_interval_seconds": 60, "path_style": false}"#)
        let settings = try SettingsLoader.load(home: home, environment: ["CFDEV_TELEMETRY_REGION": "us-west-2", "CFDEV_TELEMETRY_PREFIX": ""])
        #expect(settings.bucket == "from-file")
        #expect(settings.region == "us-west-2")
        #expect(settings.flushIntervalSeconds == 60)
        #expect(settings.pathStyle == false)
        #expect(settings.prefix == "")
        #expect(settings.maxPendingEvents == 10_000)
    }

    /// A user's own AWS session, as many shells hold one.
    static let usersOwnAWS = [
        "AWS_ACCESS_KEY_ID": "AKIAUSERSOWNKEY00000", "AWS_SECRET_ACCESS_KEY": "users-own-secret",
        "AWS_SESSION_TOKEN": "users-own-token", "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "ap-south-2",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:3", "AWS_PROFILE": "work",
        "AWS_CA_BUNDLE": "/nonexistent/users-ca.pem",
    ]

    @Test("the client side never reads the general AWS variables, and names them as ignored")
    func clientIgnoresUsersAWS() throws {
        let home = try home(config: nil)
        let shipped = home.directory + "/defaults.json"
        try #"{"endpoint": "https://s3.example.com", "access_key_id": "AKIASHIPPEDUPLOADER0", "secret_access_key": "shipped"}"#
            .write(toFile: shipped, atomically: true, encoding: .utf8)
        let resolved = try SettingsLoader.resolve(home: home, environment: Self.usersOwnAWS, audience: .client, shippedDefaults: [shipped])
        let settings = resolved.settings
        #expect(settings.endpoint == "https://s3.example.com")
        #expect(settings.accessKeyID == "AKIASHIPPEDUPLOADER0")
        #expect(settings.secretAccessKey == "shipped")
        #expect(settings.sessionToken == nil)
        #expect(settings.region == "us-east-1")
        #expect(resolved.origin("access_key_id") == .shipped(path: shipped))
        #expect(resolved.ignoredVariables == Self.usersOwnAWS.keys.sorted())
        // The telemetry's own variables are read.
        let own = try SettingsLoader.resolve(
            home: home,
            environment: Self.usersOwnAWS.merging([
                "CFDEV_TELEMETRY_ACCESS_KEY_ID": "AKIATELEMETRY0000000", "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": "t",
                "CFDEV_TELEMETRY_SESSION_TOKEN": "tt", "CFDEV_TELEMETRY_REGION": "eu-north-1",
            ]) { $1 }, audience: .client, shippedDefaults: [shipped])
        #expect(own.settings.accessKeyID == "AKIATELEMETRY0000000" && own.settings.secretAccessKey == "t")
        #expect(own.settings.sessionToken == "tt" && own.settings.region == "eu-north-1")
        #expect(own.origin("region") == .environment(variable: "CFDEV_TELEMETRY_REGION"))
    }

    @Test("the team's commands read the telemetry variables first, then the general AWS ones")
    func teamReadsAWSAfterTelemetry() throws {
        let home = try home(config: nil)
        let team = try SettingsLoader.resolve(home: home, environment: Self.usersOwnAWS, audience: .team, shippedDefaults: [])
        #expect(team.settings.accessKeyID == "AKIAUSERSOWNKEY00000" && team.settings.sessionToken == "users-own-token")
        #expect(team.settings.region == "ap-south-1" && team.settings.endpoint == "http://127.0.0.1:1")
        #expect(team.ignoredVariables.isEmpty)
        var environment = Self.usersOwnAWS
        environment["AWS_ENDPOINT_URL_S3"] = nil
        environment["AWS_REGION"] = nil
        let fallback = try SettingsLoader.resolve(home: home, environment: environment, audience: .team, shippedDefaults: []).settings
        #expect(fallback.endpoint == "http://127.0.0.1:3" && fallback.region == "ap-south-2")
        environment["CFDEV_TELEMETRY_ENDPOINT"] = "http://127.0.0.1:2"
        let preferred = try SettingsLoader.resolve(home: home, environment: environment, audience: .team, shippedDefaults: []).settings
        #expect(preferred.endpoint == "http://127.0.0.1:2")
    }

    @Test(
        "malformed values name the file or variable and the key",
        arguments: [
            (#"{"flush_interval_seconds": "soon"}"#, [String: String](), "key \"flush_interval_seconds\""),
            (#"{"path_style": 1}"#, [:], "key \"path_style\": expected true or false"),
            (#"{"bucket": 7}"#, [:], "key \"bucket\": expected a string"),
            (#"not json"#, [:], "not a JSON object"),
            (#"{}"#, ["CFDEV_TELEMETRY_MAX_PENDING": "lots"], "CFDEV_TELEMETRY_MAX_PENDING: expected a whole number"),
            (#"{}"#, ["CFDEV_TELEMETRY_PATH_STYLE": "maybe"], "CFDEV_TELEMETRY_PATH_STYLE: expected true or false"),
            // Every number finite and in range, from the file and from the environment.
            (#"{}"#, ["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": "nan"], "CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS: expected a number of seconds from 0.5 to 60"),
            (#"{}"#, ["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": "inf"], "CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS"),
            (#"{}"#, ["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": "1e999"], "CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS"),
            (#"{}"#, ["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": "-1"], "CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS"),
            (#"{}"#, ["CFDEV_TELEMETRY_FLUSH_TIMEOUT": "nan"], "CFDEV_TELEMETRY_FLUSH_TIMEOUT: expected a number of seconds from 0.5 to 3600"),
            (#"{}"#, ["CFDEV_TELEMETRY_FLUSH_INTERVAL": "9223372036854775807"], "CFDEV_TELEMETRY_FLUSH_INTERVAL: expected a whole number from 0 to 31536000"),
            (#"{}"#, ["CFDEV_TELEMETRY_FLUSH_INTERVAL": "99999999999999999999999"], "CFDEV_TELEMETRY_FLUSH_INTERVAL: expected a whole number"),
            (#"{}"#, ["CFDEV_TELEMETRY_MAX_PENDING": "-5"], "CFDEV_TELEMETRY_MAX_PENDING: expected a whole number from 1 to 1000000"),
            (#"{}"#, ["CFDEV_TELEMETRY_MAX_BATCH_EVENTS": "0"], "CFDEV_TELEMETRY_MAX_BATCH_EVENTS: expected a whole number from 1 to 100000"),
            (#"{}"#, ["CFDEV_TELEMETRY_MAX_BATCH_BYTES": "99999999999"], "CFDEV_TELEMETRY_MAX_BATCH_BYTES: expected a whole number from 1024"),
            (#"{"final_flush_seconds": 1e308}"#, [:], "key \"final_flush_seconds\": expected a number of seconds from 0.5 to 60"),
            (#"{"flush_timeout_seconds": "nan"}"#, [:], "key \"flush_timeout_seconds\": expected a number of seconds"),
            (#"{"flush_interval_seconds": 1e30}"#, [:], "key \"flush_interval_seconds\": expected a whole number from 0 to 31536000"),
            (#"{"max_pending_events": 0}"#, [:], "key \"max_pending_events\": expected a whole number from 1 to 1000000"),
            (#"{"max_batch_events": 2.5}"#, [:], "key \"max_batch_events\": expected a whole number"),
            (#"{"max_batch_bytes": 100}"#, [:], "key \"max_batch_bytes\": expected a whole number from 1024"),
        ])
    func errors(_ config: String, _ environment: [String: String], _ expected: String) throws {
        let home = try home(config: config)
        do {
            _ = try SettingsLoader.load(home: home, environment: environment)
            Issue.record("expected an error")
        } catch {
            let message = "\(error)"
            #expect(message.contains(expected), "\(message)")
            #expect(!message.contains("\n"))
            if environment.isEmpty { #expect(message.contains(home.configPath)) }
        }
    }

    @Test("an unknown key is a warning naming it, and every other key still applies")
    func unknownKeyWarns() throws {
        let home = try home(config: #"{"buckte": "x", "bucket": "kept", "max_batch_events": 7}"#)
        let resolved = try SettingsLoader.resolve(home: home, environment: [:], audience: .client, shippedDefaults: [])
        #expect(resolved.settings.bucket == "kept")
        #expect(resolved.settings.maxBatchEvents == 7)
        #expect(resolved.warnings.count == 1)
        #expect(resolved.warnings.first?.contains("key \"buckte\" is not a setting") == true)
        #expect(resolved.warnings.first?.contains(home.configPath) == true)
        // load() goes on too (the shim records), noting the warning in the telemetry log.
        #expect(try SettingsLoader.load(home: home, environment: [:]).bucket == "kept")
        let log = try String(contentsOfFile: home.logPath, encoding: .utf8)
        #expect(log.contains("buckte"))
    }

    @Test("in-range numbers are taken, fractions of seconds included")
    func numbersInRange() throws {
        let home = try home(config: #"{"final_flush_seconds": 1.5, "flush_timeout_seconds": 30}"#)
        let settings = try SettingsLoader.resolve(home: home, environment: ["CFDEV_TELEMETRY_FLUSH_TIMEOUT": "12.5"], audience: .client, shippedDefaults: []).settings
        #expect(settings.finalFlushSeconds == 1.5)
        #expect(settings.flushTimeoutSeconds == 12.5)
    }

    @Test("shipped defaults sit between built-in and the user's file, and each origin is named")
    func shippedDefaultsLayering() throws {
        let home = try home(config: #"{"bucket": "user-bucket"}"#)
        let shipped = home.directory + "/defaults.json"
        try #"{"endpoint": "https://s3.example.test", "bucket": "team-bucket", "region": "eu-west-1"}"#
            .write(toFile: shipped, atomically: true, encoding: .utf8)
        let resolved = try SettingsLoader.resolve(
            home: home, environment: ["CFDEV_TELEMETRY_REGION": "us-west-2"], audience: .client,
            shippedDefaults: [home.directory + "/missing.json", shipped])
        #expect(resolved.settings.endpoint == "https://s3.example.test")
        #expect(resolved.settings.bucket == "user-bucket")
        #expect(resolved.settings.region == "us-west-2")
        #expect(resolved.shippedDefaults == shipped)
        #expect(resolved.origin("endpoint") == .shipped(path: shipped))
        #expect(resolved.origin("bucket") == .file(path: home.configPath))
        #expect(resolved.origin("region") == .environment(variable: "CFDEV_TELEMETRY_REGION"))
        #expect(resolved.origin("max_batch_events") == .builtIn)
    }

    @Test("the shipped defaults are looked up in <prefix>/etc beside the executable's bin/, then /etc")
    func shippedDefaultsCandidates() {
        #expect(
            SettingsLoader.shippedDefaultsCandidates(executable: "/opt/cfdev/bin/cfdev-telemetry")
                == ["/opt/cfdev/etc/cfdev-telemetry/defaults.json", "/etc/cfdev-telemetry/defaults.json"])
        #expect(SettingsLoader.shippedDefaultsCandidates(executable: nil) == ["/etc/cfdev-telemetry/defaults.json"])
    }

    @Test("a FIFO, a folder or a huge file instead of a settings file is a one-line error, never a hang")
    func hostileFiles() throws {
        let fifoHome = try home(config: nil)
        #expect(mkfifo(fifoHome.configPath, 0o600) == 0)
        let folderHome = try home(config: nil)
        try FileManager.default.createDirectory(atPath: folderHome.configPath, withIntermediateDirectories: true)
        let hugeHome = try home(config: "{\"bucket\": \"" + String(repeating: "a", count: 100_000) + "\"}")
        for (home, expected) in [(fifoHome, "not a regular file"), (folderHome, "not a regular file"), (hugeHome, "larger than 64 KiB")] {
            do {
                _ = try SettingsLoader.resolve(home: home, environment: [:], audience: .client, shippedDefaults: [])
                Issue.record("expected an error for \(home.configPath)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
                #expect("\(error)".contains(home.configPath))
            }
            try? FileManager.default.removeItem(atPath: home.directory)
        }
    }

    @Test("values shown in errors lose their control characters")
    func errorValuesAreSanitized() throws {
        let home = try home(config: nil)
        do {
            _ = try SettingsLoader.resolve(home: home, environment: ["CFDEV_TELEMETRY_MAX_PENDING": "1\u{1b}[2J\u{7}"], audience: .client, shippedDefaults: [])
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".unicodeScalars.contains { $0.value < 0x20 })
        }
    }

    @Test("the example defaults file of docs/DEPLOY.md loads, every key known")
    func exampleDefaultsLoad() throws {
        let home = try home(config: nil)
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/deploy/defaults.json").path
        let resolved = try SettingsLoader.resolve(home: home, environment: [:], audience: .client, shippedDefaults: [example])
        #expect(resolved.warnings.isEmpty, "\(resolved.warnings)")
        #expect(resolved.settings.bucket == "cfdev-telemetry" && resolved.settings.prefix == "cfdev/")
        #expect(resolved.origin("secret_access_key") == .shipped(path: example))
    }

    @Test func secretsAreMasked() {
        #expect(TelemetrySettings.mask("AKIAIOSFODNN7EXAMPLE") == "AKIA****************")
        #expect(TelemetrySettings.mask(nil) == "(not set)")
    }
}
