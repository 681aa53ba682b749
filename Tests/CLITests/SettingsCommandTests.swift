import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

/// Bad numbers and unknown keys in the settings, met by the real commands: never a crash, a
/// one-line error naming the setting, and an unknown key in `config.json` only warns.
@Suite("settings met by the commands", .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct SettingsCommandTests {
    @Test(
        "off with a final-flush time that is not a number in range: no crash, telemetry off, nothing left",
        arguments: ["nan", "inf", "-1", "1e999", "9999999999999999T"])
    func offWithABadFinalFlushTime(value: String) async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(
            server: server, prefix: FlushWorld.uniquePrefix("off-\(value) "),
            extra: [
                "CFDEV_TELEMETRY_FLUSHER": ProductLocator.cli,
                "CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": value,
            ])
        try world.fill(3)
        let off = try await world.cli(["off"])
        #expect(off.status == 0, "\(value): \(off.stderr)")
        #expect(off.stdout.contains("Telemetry is off"))
        #expect(!off.stderr.contains("Fatal error"))
        // The bad setting is named, in one line, and off goes on with the built-in values.
        #expect(off.stderr.split(separator: "\n").count == 1, "\(off.stderr)")
        #expect(off.stderr.hasPrefix("Warning: CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS"), "\(off.stderr)")
        let status = try await world.status()
        #expect(status["consent"] as? String == "off")
        #expect(status["pending"] as? Int == 0)
        #expect((status["config_error"] as? String)?.contains("CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS") == true, "\(status)")
    }

    @Test("a bad number in the environment or a flag: one line naming it, nothing sent, nothing lost")
    func badNumbersAreOneLineErrors() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("numbers "))
        try world.fill(2)
        for (variable, value) in [
            ("CFDEV_TELEMETRY_FLUSH_TIMEOUT", "nan"), ("CFDEV_TELEMETRY_MAX_BATCH_EVENTS", "0"),
            ("CFDEV_TELEMETRY_FLUSH_INTERVAL", "99999999999999999999"), ("CFDEV_TELEMETRY_MAX_BATCH_BYTES", "1e9"),
        ] {
            let flush = try await world.flush(env: [variable: value])
            #expect(flush.status == 1, "\(variable)=\(value)")
            #expect(flush.errorLines.count == 1 && flush.stderr.contains(variable), "\(flush.stderr)")
        }
        // A background flush (stderr on /dev/null) leaves the reason in the log.
        let background = try world.startFlusher(["--background"], env: ["CFDEV_TELEMETRY_FLUSH_TIMEOUT": "inf"])
        #expect(await background.wait(timeout: 60) != nil)
        let log = try String(contentsOfFile: world.sandbox.telemetryHome.logPath, encoding: .utf8)
        #expect(log.contains("flush: nothing sent: CFDEV_TELEMETRY_FLUSH_TIMEOUT: expected a number of seconds"), "\(log)")
        for arguments in [
            ["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "0"], ["--timeout", "99999"],
            ["--max-batch-events", "0"], ["--max-batch-events", "99999999999999999999"],
        ] {
            let flush = try await world.flush(arguments)
            #expect(flush.status != 0 && !flush.stderr.contains("Fatal error"), "\(arguments): \(flush.stderr)")
            #expect(flush.stderr.contains(arguments[0]), "\(arguments): \(flush.stderr)")
        }
        #expect(try await world.pending() == 2)
    }

    @Test("an unknown key in config.json warns and everything goes on: recording, status, flush")
    func unknownKeyWarns() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("unknown "))
        try #"{"max_batch_event": 3, "bucket": "\#(server.bucket)"}"#
            .write(toFile: world.sandbox.telemetryHome.configPath, atomically: true, encoding: .utf8)
        let (shim, recorded) = try await world.shim(["dev", "stop"])
        #expect(shim.status == 0)
        #expect(recorded.count == 1, "\(shim.stdout)")
        let status = try await world.cli(["status"])
        #expect(status.stdout.contains("Config warning:  \(world.sandbox.telemetryHome.configPath): key \"max_batch_event\" is not a setting"), "\(status.stdout)")
        let flush = try await world.flush()
        #expect(flush.status == 0, "\(flush.stderr)")
        #expect(flush.stderr.contains("Warning:") && flush.stderr.contains("max_batch_event"), "\(flush.stderr)")
        Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(recorded))
    }
}
